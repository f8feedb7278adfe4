// The routing table: every endpoint is one line of it (Typesense's model). A pattern is a path of
// literal segments and {parameters}; a literal segment wins over a parameter ("/_cat/indices"
// over "/{index}/{action}"), and a path whose every route has another method gives 405, not 404.
#pragma once

#include <functional>
#include <string>
#include <string_view>
#include <vector>

#include "http/http_types.h"

namespace vigil::http {

using Handler = std::function<HttpResponse(HttpRequest&)>;

class Router {
 public:
  // `pattern` is like "/{index}/_doc/{id}". Routes are tried most literal first.
  void Add(Method method, std::string_view pattern, Handler handler);

  enum class Outcome { kFound, kNotFound, kMethodNotAllowed };
  struct Match {
    Outcome outcome = Outcome::kNotFound;
    const Handler* handler = nullptr;
    const std::string* pattern = nullptr;  // kFound: the route's pattern ("/{index}/_search")
    std::vector<Method> allowed;           // kMethodNotAllowed: the methods the path has
  };
  // Finds the route of (method, request->path) and fills request->params. HEAD falls back to
  // the GET route.
  Match Find(HttpRequest* request) const;

 private:
  struct Route {
    Method method;
    std::string pattern;
    std::vector<std::string> segments;  // "{name}" for a parameter
    int literals = 0;
    Handler handler;
  };
  static std::vector<std::string_view> Split(std::string_view path);
  static bool Matches(const Route& r, const std::vector<std::string_view>& parts,
                      HttpRequest* request);
  std::vector<Route> routes_;
};

}  // namespace vigil::http
