// The one place aggregation types are registered: name → spec factory (each in its own file).
#include <fmt/format.h>

#include <string_view>

#include "query/aggs/agg_util.h"

namespace vigil::query::aggs {

// Factories, one per file.
Result<std::unique_ptr<AggregationSpec>> NewTermsSpec(const json&, const std::string&);
Result<std::unique_ptr<AggregationSpec>> NewDateHistogramSpec(const json&, const std::string&);
Result<std::unique_ptr<AggregationSpec>> NewHistogramSpec(const json&, const std::string&);
Result<std::unique_ptr<AggregationSpec>> NewRangeSpec(const json&, const std::string&);
Result<std::unique_ptr<AggregationSpec>> NewDateRangeSpec(const json&, const std::string&);
Result<std::unique_ptr<AggregationSpec>> NewFilterSpec(const json&, const std::string&);
Result<std::unique_ptr<AggregationSpec>> NewFiltersSpec(const json&, const std::string&);
Result<std::unique_ptr<AggregationSpec>> NewMissingSpec(const json&, const std::string&);
Result<std::unique_ptr<AggregationSpec>> NewMinSpec(const json&, const std::string&);
Result<std::unique_ptr<AggregationSpec>> NewMaxSpec(const json&, const std::string&);
Result<std::unique_ptr<AggregationSpec>> NewAvgSpec(const json&, const std::string&);
Result<std::unique_ptr<AggregationSpec>> NewSumSpec(const json&, const std::string&);
Result<std::unique_ptr<AggregationSpec>> NewStatsSpec(const json&, const std::string&);
Result<std::unique_ptr<AggregationSpec>> NewValueCountSpec(const json&, const std::string&);
Result<std::unique_ptr<AggregationSpec>> NewCardinalitySpec(const json&, const std::string&);
Result<std::unique_ptr<AggregationSpec>> NewPercentilesSpec(const json&, const std::string&);
Result<std::unique_ptr<AggregationSpec>> NewTopHitsSpec(const json&, const std::string&);

namespace {

struct Entry {
  std::string_view type;
  SpecFactory factory;
};

constexpr Entry kRegistry[] = {
    {"terms", NewTermsSpec},
    {"date_histogram", NewDateHistogramSpec},
    {"histogram", NewHistogramSpec},
    {"range", NewRangeSpec},
    {"date_range", NewDateRangeSpec},
    {"filter", NewFilterSpec},
    {"filters", NewFiltersSpec},
    {"missing", NewMissingSpec},
    {"min", NewMinSpec},
    {"max", NewMaxSpec},
    {"avg", NewAvgSpec},
    {"sum", NewSumSpec},
    {"stats", NewStatsSpec},
    {"value_count", NewValueCountSpec},
    {"cardinality", NewCardinalitySpec},
    {"percentiles", NewPercentilesSpec},
    {"top_hits", NewTopHitsSpec},
};

}  // namespace

SpecFactory FindFactory(std::string_view type) {
  for (const Entry& e : kRegistry) {
    if (e.type == type) return e.factory;
  }
  return nullptr;
}

}  // namespace vigil::query::aggs

namespace vigil::query {

Result<std::vector<std::unique_ptr<AggregationSpec>>> ParseAggregations(
    const nlohmann::ordered_json& aggs, const std::string& path) {
  if (!aggs.is_object()) {
    return ParsingError(fmt::format("[{}] must be an object of named aggregations", path));
  }
  std::vector<std::unique_ptr<AggregationSpec>> out;
  for (auto it = aggs.begin(); it != aggs.end(); ++it) {
    const std::string& name = it.key();
    const std::string apath = fmt::format("{}.{}", path, name);
    const nlohmann::ordered_json& body = it.value();
    if (name.empty() || name.find_first_of("[]>") != std::string::npos) {
      return ParsingError(
          fmt::format("[{}] invalid aggregation name [{}]: it must not be empty nor hold [, ] or >",
                      path, name));
    }
    if (!body.is_object()) {
      return ParsingError(fmt::format("[{}] an aggregation must be an object", apath));
    }
    std::unique_ptr<AggregationSpec> spec;
    const nlohmann::ordered_json* subs = nullptr;
    for (auto b = body.begin(); b != body.end(); ++b) {
      const std::string& key = b.key();
      if (key == "aggs" || key == "aggregations") {
        subs = &b.value();
        continue;
      }
      if (key == "meta") continue;
      if (spec != nullptr) {
        return ParsingError(
            fmt::format("Found two aggregation type definitions in [{}]: [{}] and [{}]", name,
                        spec->type(), key));
      }
      aggs::SpecFactory factory = aggs::FindFactory(key);
      if (factory == nullptr) {
        return ParsingError(fmt::format("Unknown aggregation type [{}] in [{}]", key, apath));
      }
      Result<std::unique_ptr<AggregationSpec>> s =
          factory(b.value(), fmt::format("{}.{}", apath, key));
      if (!s.ok()) return s.status();
      spec = std::move(*s);
    }
    if (spec == nullptr) {
      return ParsingError(fmt::format("Missing definition for aggregation [{}]", name));
    }
    spec->name = name;
    if (subs != nullptr) {
      if (!spec->takes_sub_aggregations()) {
        return ParsingError(fmt::format(
            "Aggregator [{}] of type [{}] cannot accept sub-aggregations", name, spec->type()));
      }
      Result<std::vector<std::unique_ptr<AggregationSpec>>> s =
          ParseAggregations(*subs, apath + ".aggs");
      if (!s.ok()) return s.status();
      spec->subs = std::move(*s);
    }
    out.push_back(std::move(spec));
  }
  return out;
}

Result<std::vector<std::unique_ptr<Aggregator>>> NewAggregators(
    const std::vector<std::unique_ptr<AggregationSpec>>& specs, const AggregationContext& ctx) {
  std::vector<std::unique_ptr<Aggregator>> out;
  for (const auto& spec : specs) {
    Result<std::unique_ptr<Aggregator>> a = spec->NewAggregator(ctx);
    if (!a.ok()) return a.status();
    (*a)->set_name(spec->name);
    out.push_back(std::move(*a));
  }
  return out;
}

}  // namespace vigil::query
