// What `range` and `date_range` share: named ranges [from, to) of a numeric or date field, each
// a bucket (a document can fall in several), rendered in the order given.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "query/aggs/agg_util.h"

namespace vigil::query::aggs {

struct RangeSpecBase : AggregationSpec {
  struct Range {
    std::optional<double> from;  // inclusive
    std::optional<double> to;    // exclusive
    std::string key;             // given, or made from the bounds
    bool key_given = false;
    // A bound given as text (date math such as "now-1d/d"): resolved again at the request's
    // time by each aggregator, since a parsed request may run later (or with a fixed `now`).
    std::string from_text;
    std::string to_text;
  };
  std::string field;
  std::vector<Range> ranges;
  bool keyed = false;
  std::optional<double> missing;
  bool takes_sub_aggregations() const override { return true; }
  // How a bound prints (in "key", "from_as_string"...).
  virtual std::string BoundText(double v) const = 0;
  virtual bool date() const { return false; }
  // A bound's text at the request time `now` (epoch ms); only specs whose bounds may be text
  // (date_range) are asked.
  virtual Result<double> ResolveBound(const std::string& text, int64_t now) const;
  // The ranges at the request time: the text bounds resolved, the keys made from them.
  Result<std::vector<Range>> RangesAt(int64_t now) const;
  // The key of a range without one: "from-to", "*" for an open end.
  std::string KeyOf(const Range& r) const;
  Result<std::unique_ptr<Aggregator>> NewAggregator(const AggregationContext& ctx) const override;
};

// Parses ranges, keyed, missing; `bound` reads a from/to value.
Status ParseRangeCommon(const json& params, const std::string& path, RangeSpecBase* spec,
                        const std::function<Result<double>(const json&)>& bound);

}  // namespace vigil::query::aggs
