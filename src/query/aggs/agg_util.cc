#include "query/aggs/agg_util.h"

#include <fmt/format.h>

#include <charconv>
#include <cmath>

#include "storage/term_encoding.h"

namespace vigil::query::aggs {

Result<std::optional<std::string>> OptString(const json& params, std::string_view key,
                                             const std::string& path) {
  auto it = params.find(key);
  if (it == params.end() || it->is_null()) return std::optional<std::string>();
  Result<std::string> v = GetString(*it, Sub(path, key));
  if (!v.ok()) return v.status();
  return std::optional<std::string>(std::move(*v));
}

Result<std::optional<int64_t>> OptInt(const json& params, std::string_view key,
                                      const std::string& path) {
  auto it = params.find(key);
  if (it == params.end() || it->is_null()) return std::optional<int64_t>();
  Result<int64_t> v = GetInt(*it, Sub(path, key));
  if (!v.ok()) return v.status();
  return std::optional<int64_t>(*v);
}

Result<std::optional<double>> OptDouble(const json& params, std::string_view key,
                                        const std::string& path) {
  auto it = params.find(key);
  if (it == params.end() || it->is_null()) return std::optional<double>();
  Result<double> v = GetDouble(*it, Sub(path, key));
  if (!v.ok()) return v.status();
  return std::optional<double>(*v);
}

Result<std::optional<bool>> OptBool(const json& params, std::string_view key,
                                    const std::string& path) {
  auto it = params.find(key);
  if (it == params.end() || it->is_null()) return std::optional<bool>();
  Result<bool> v = GetBool(*it, Sub(path, key));
  if (!v.ok()) return v.status();
  return std::optional<bool>(*v);
}

Result<std::string> RequiredField(const json& params, const std::string& path) {
  Result<std::optional<std::string>> f = OptString(params, "field", path);
  if (!f.ok()) return f.status();
  if (!f->has_value()) {
    if (params.contains("script")) {
      return IllegalArgument(fmt::format("[{}] scripts are not supported: give a [field]", path));
    }
    return IllegalArgument(fmt::format("[{}] needs a [field]", path));
  }
  return **f;
}

Status ParseDateOptions(const json& params, const std::string& path, TimeZone* tz,
                        DateFormat* format) {
  Result<std::optional<std::string>> zone = OptString(params, "time_zone", path);
  if (!zone.ok()) return zone.status();
  if (*zone) {
    Result<TimeZone> z = TimeZone::Parse(**zone);
    if (!z.ok()) {
      return IllegalArgument(fmt::format("[{}.time_zone] {}", path, z.status().message()));
    }
    *tz = *z;
  }
  Result<std::optional<std::string>> text = OptString(params, "format", path);
  if (!text.ok()) return text.status();
  if (*text) {
    Result<DateFormat> f = DateFormat::Parse(**text);
    if (!f.ok()) return IllegalArgument(fmt::format("[{}.format] {}", path, f.status().message()));
    *format = *f;
  }
  return Status::Ok();
}

Status CheckKeys(const json& params, std::initializer_list<std::string_view> allowed,
                 const std::string& path, std::string_view type) {
  if (!params.is_object()) {
    return ParsingError(
        fmt::format("[{}] the body of a [{}] aggregation must be an object", path, type));
  }
  for (auto it = params.begin(); it != params.end(); ++it) {
    bool ok = false;
    for (std::string_view a : allowed) ok = ok || it.key() == a;
    if (!ok) {
      return ParsingError(
          fmt::format("[{}] unknown parameter [{}] of a [{}] aggregation", path, it.key(), type));
    }
  }
  return Status::Ok();
}

Status FieldValues::Reset(const SegmentContext& segment) {
  field_ = segment.fields->Resolve(user_field_);
  FieldInSegment f = FindSegmentField(segment, field_);
  present_ = f.present();
  have_term_.clear();
  terms_.clear();
  numbers_.reset();
  arena_.clear();
  offsets_.clear();
  reader_ = segment.reader;
  view_ = segment.view;
  index_ = f.index;
  if (!present_) return Status::Ok();
  Result<storage::Column> col = segment.reader->GetColumn(f.index);
  if (!col.ok()) return col.status();
  Result<storage::TermDict> dict = segment.reader->Terms(f.index);
  if (!dict.ok()) return dict.status();
  column_ = *col;
  dict_ = *dict;
  return Status::Ok();
}

Result<std::string_view> FieldValues::Term(uint32_t ord) {
  if (ord >= dict_.size()) return Status::Corruption("an ordinal beyond the dictionary");
  if (!dict_.compressed()) {
    // Plain blocks of a few terms: a lookup decodes a short block.
    if (have_term_.empty()) {
      have_term_.assign(dict_.size(), 0);
      terms_.resize(dict_.size());
    }
    if (!have_term_[ord]) {
      VIGIL_RETURN_IF_ERROR(dict_.Term(ord, &terms_[ord]));
      have_term_[ord] = 1;
    }
    return std::string_view(terms_[ord]);
  }
  // A compressed dictionary decodes a 16 KiB block per lookup: read it all once, in order.
  if (offsets_.empty()) {
    storage::TermDict::Iterator it(dict_);
    VIGIL_RETURN_IF_ERROR(it.Seek(0));
    offsets_.reserve(dict_.size() + 1);
    offsets_.push_back(0);
    while (it.Valid()) {
      arena_.append(it.term());
      offsets_.push_back(arena_.size());
      VIGIL_RETURN_IF_ERROR(it.Next());
    }
    if (offsets_.size() != dict_.size() + 1) return Status::Corruption("a dictionary cut short");
  }
  return std::string_view(arena_).substr(offsets_[ord], offsets_[ord + 1] - offsets_[ord]);
}

bool FieldValues::numeric() const {
  const FieldType t = field_.type;
  return t == FieldType::kLong || t == FieldType::kDouble || t == FieldType::kDate ||
         t == FieldType::kBoolean;
}

Result<double> FieldValues::Number(uint32_t ord) {
  if (ord >= dict_.size()) return Status::Corruption("an ordinal beyond the dictionary");
  if (numbers_ == nullptr) {
    Result<std::shared_ptr<const std::vector<double>>> n = reader_->NumericValues(index_);
    if (!n.ok()) return n.status();
    numbers_ = std::move(*n);
  }
  return (*numbers_)[ord];
}

uint64_t CountOrdsAfresh(const FieldValues& values, std::span<const uint32_t> docs,
                         std::vector<uint32_t>* counts) {
  counts->assign(values.present() ? values.dict().size() : 0, 0);
  return CountOrds(values, docs, counts);
}

uint64_t CountOrds(const FieldValues& values, std::span<const uint32_t> docs,
                   std::vector<uint32_t>* counts) {
  if (!values.present()) return docs.size();
  const storage::Column& col = values.column();
  uint32_t* c = counts->data();
  uint64_t without = 0;
  const storage::SegmentView* view = values.view();
  if (view != nullptr && docs.size() == view->live_docs && docs.size() > 4096 &&
      counts->size() * 4 < docs.size()) {
    Result<storage::Postings> postings = values.reader()->GetPostings(values.index());
    if (postings.ok() && postings->terms() == counts->size()) {
      bool ok = true;
      for (uint32_t ord = 0; ord < counts->size() && ok; ++ord) {
        Result<uint32_t> n = postings->Count(ord);
        ok = n.ok();
        if (ok) c[ord] = *n;
      }
      if (ok) {
        uint64_t deleted_with = 0;
        for (uint32_t d : *view->deleted) {
          bool any = false;
          col.ForEach(d, [&](uint32_t ord) {
            any = true;
            --c[ord];
          });
          deleted_with += any ? 1 : 0;
        }
        const uint64_t with =
            values.reader()->fields()[static_cast<size_t>(values.index())].docs_with_value -
            deleted_with;
        return docs.size() - with;
      }
      std::fill(counts->begin(), counts->end(), 0);  // a damaged list: count document by document
    }
  }
  if (!col.sparse()) {
    for (uint32_t d : docs) {
      bool any = false;
      if (d < col.entries()) {
        col.ForEachInEntry(d, [&](uint32_t ord) {
          any = true;
          ++c[ord];
        });
      }
      without += any ? 0 : 1;
    }
    return without;
  }
  const uint32_t entries = col.entries();
  if (uint64_t{docs.size()} * 16 < entries) {
    for (uint32_t d : docs) {
      bool any = false;
      col.ForEach(d, [&](uint32_t ord) {
        any = true;
        ++c[ord];
      });
      without += any ? 0 : 1;
    }
    return without;
  }
  // Both increasing: merge.
  size_t j = 0;
  uint64_t with = 0;
  for (uint32_t e = 0; e < entries && j < docs.size(); ++e) {
    const uint32_t doc = col.entry_doc(e);
    while (j < docs.size() && docs[j] < doc) ++j;
    if (j == docs.size()) break;
    if (docs[j] != doc) continue;
    bool any = false;
    col.ForEachInEntry(e, [&](uint32_t ord) {
      any = true;
      ++c[ord];
    });
    with += any ? 1 : 0;
    ++j;
  }
  return docs.size() - with;
}

void WriteTermKey(FieldType type, std::string_view term, JsonWriter* w, bool with_as_string) {
  storage::FieldValue v = storage::DecodeTerm(type, term);
  switch (type) {
    case FieldType::kLong:
      w->Key("key");
      w->Int(v.integer);
      return;
    case FieldType::kDouble:
      w->Key("key");
      w->Double(v.number);
      return;
    case FieldType::kDate:
      w->Key("key");
      w->Int(v.integer);
      if (with_as_string) w->Field("key_as_string", storage::TermToString(type, term));
      return;
    case FieldType::kBoolean:
      w->Key("key");
      w->Int(v.boolean ? 1 : 0);
      if (with_as_string) w->Field("key_as_string", v.boolean ? "true" : "false");
      return;
    case FieldType::kKeyword:
    case FieldType::kText:
      w->Field("key", term);
      return;
    default:
      w->Field("key", storage::TermToString(type, term));
  }
}

std::vector<uint32_t> BucketMap::BucketsOf(uint32_t owning) const {
  std::vector<uint32_t> out;
  for (uint32_t b = 0; b < owning_.size(); ++b) {
    if (owning_[b] == owning) out.push_back(b);
  }
  return out;
}

Status SubAggregators::Init(const AggregationSpec& spec, const AggregationContext& ctx) {
  AggregationContext sub_ctx = ctx;
  sub_ctx.top_level = false;
  Result<std::vector<std::unique_ptr<Aggregator>>> subs = NewAggregators(spec.subs, sub_ctx);
  if (!subs.ok()) return subs.status();
  subs_ = std::move(*subs);
  return Status::Ok();
}

Status SubAggregators::Render(uint32_t bucket, JsonWriter* w) {
  for (auto& s : subs_) {
    w->Key(s->name());
    VIGIL_RETURN_IF_ERROR(s->Render(bucket, w));
  }
  return Status::Ok();
}

bool SubAggregators::Has(std::string_view name) const {
  for (const auto& s : subs_) {
    if (s->name() == name) return true;
  }
  return false;
}

Result<double> SubAggregators::SortValue(uint32_t bucket, std::string_view path) const {
  std::string_view name = path;
  std::string_view key;
  if (size_t dot = path.find('.'); dot != std::string_view::npos) {
    name = path.substr(0, dot);
    key = path.substr(dot + 1);
  }
  for (const auto& s : subs_) {
    if (s->name() == name) return s->SortValue(bucket, key);
  }
  return IllegalArgument(fmt::format(
      "invalid aggregation order path [{}]: no sub-aggregation named [{}]", path, name));
}

Status SingleBucketAggregator::Render(uint32_t owning, JsonWriter* w) {
  VIGIL_RETURN_IF_ERROR(subs_.status());
  w->BeginObject();
  w->Key("doc_count");
  w->Uint(owning < counts_.size() ? counts_[owning] : 0);
  VIGIL_RETURN_IF_ERROR(subs_.Render(owning, w));
  w->EndObject();
  return Status::Ok();
}

Result<double> SingleBucketAggregator::SortValue(uint32_t owning, std::string_view key) const {
  if (key.empty() || key == "doc_count" || key == "_count") {
    return static_cast<double>(owning < counts_.size() ? counts_[owning] : 0);
  }
  return subs_.SortValue(owning, key);
}

Status CountBuckets(const AggregationContext& ctx, uint64_t n, std::string_view agg) {
  if (ctx.buckets_used == nullptr) return Status::Ok();
  *ctx.buckets_used += n;
  if (*ctx.buckets_used > ctx.max_buckets) {
    return Status::ResourceExhausted(
               fmt::format("Trying to create too many buckets. Must be less than or equal to: "
                           "[{}] but this number of buckets was exceeded at aggregation [{}]. "
                           "This limit can be set by changing the [search.max_buckets] cluster "
                           "level setting.",
                           ctx.max_buckets, agg))
        .WithDetail("too_many_buckets_exception");
  }
  return Status::Ok();
}

Result<int64_t> ParseFixedInterval(std::string_view text) {
  size_t i = 0;
  while (i < text.size() && std::isdigit(static_cast<unsigned char>(text[i]))) ++i;
  int64_t n = 0;
  auto [p, ec] = std::from_chars(text.data(), text.data() + i, n);
  if (i == 0 || ec != std::errc() || n <= 0) {
    return IllegalArgument(fmt::format("failed to parse the interval [{}]", text));
  }
  std::string_view unit = text.substr(i);
  int64_t scale = 0;
  if (unit == "ms") scale = 1;
  if (unit == "s") scale = 1000;
  if (unit == "m") scale = 60'000;
  if (unit == "h") scale = 3'600'000;
  if (unit == "d") scale = 86'400'000;
  if (scale == 0) {
    return IllegalArgument(fmt::format(
        "failed to parse the interval [{}]: the unit must be ms, s, m, h or d (fixed intervals "
        "have no weeks, months or years; use calendar_interval)",
        text));
  }
  return n * scale;
}

std::optional<CalendarUnit> ParseCalendarInterval(std::string_view t) {
  if (t == "minute" || t == "1m") return CalendarUnit::kMinute;
  if (t == "hour" || t == "1h") return CalendarUnit::kHour;
  if (t == "day" || t == "1d") return CalendarUnit::kDay;
  if (t == "week" || t == "1w") return CalendarUnit::kWeek;
  if (t == "month" || t == "1M") return CalendarUnit::kMonth;
  if (t == "quarter" || t == "1q") return CalendarUnit::kQuarter;
  if (t == "year" || t == "1y") return CalendarUnit::kYear;
  if (t == "second" || t == "1s") return CalendarUnit::kSecond;
  return std::nullopt;
}

}  // namespace vigil::query::aggs
