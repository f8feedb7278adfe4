#include "http/router.h"

#include <algorithm>

namespace vigil::http {

std::vector<std::string_view> Router::Split(std::string_view path) {
  std::vector<std::string_view> parts;
  while (!path.empty()) {
    const size_t slash = path.find('/');
    std::string_view part = path.substr(0, slash);
    if (!part.empty()) parts.push_back(part);
    if (slash == std::string_view::npos) break;
    path.remove_prefix(slash + 1);
  }
  return parts;
}

void Router::Add(Method method, std::string_view pattern, Handler handler) {
  Route r;
  r.method = method;
  r.pattern = std::string(pattern);
  for (std::string_view part : Split(pattern)) {
    r.segments.emplace_back(part);
    if (!part.starts_with('{')) ++r.literals;
  }
  r.handler = std::move(handler);
  routes_.push_back(std::move(r));
  // Most literal segments first, so that "/_cat/indices" is tried before "/{index}/_search".
  std::stable_sort(routes_.begin(), routes_.end(),
                   [](const Route& a, const Route& b) { return a.literals > b.literals; });
}

bool Router::Matches(const Route& r, const std::vector<std::string_view>& parts,
                     HttpRequest* request) {
  if (r.segments.size() != parts.size()) return false;
  for (size_t i = 0; i < parts.size(); ++i) {
    const std::string& s = r.segments[i];
    if (s.starts_with('{')) {
      // A parameter never takes a reserved name ("_search" is not an index).
      if (parts[i].starts_with('_')) return false;
      continue;
    }
    if (s != parts[i]) return false;
  }
  if (request != nullptr) {
    request->params.clear();
    for (size_t i = 0; i < parts.size(); ++i) {
      const std::string& s = r.segments[i];
      if (s.starts_with('{')) {
        request->params[s.substr(1, s.size() - 2)] = PercentDecode(parts[i], false);
      }
    }
  }
  return true;
}

Router::Match Router::Find(HttpRequest* request) const {
  const std::vector<std::string_view> parts = Split(request->path);
  Match m;
  const Method wanted = request->method == Method::kHead ? Method::kGet : request->method;
  for (const Route& r : routes_) {
    if (!Matches(r, parts, nullptr)) continue;
    if (r.method == wanted) {
      Matches(r, parts, request);
      m.outcome = Outcome::kFound;
      m.handler = &r.handler;
      m.pattern = &r.pattern;
      return m;
    }
    if (std::find(m.allowed.begin(), m.allowed.end(), r.method) == m.allowed.end()) {
      m.allowed.push_back(r.method);
    }
  }
  m.outcome = m.allowed.empty() ? Outcome::kNotFound : Outcome::kMethodNotAllowed;
  return m;
}

}  // namespace vigil::http
