#include "query/executor.h"

#include <fmt/format.h>
#include <re2/re2.h>

#include <algorithm>
#include <charconv>
#include <cmath>
#include <unordered_set>

#include "query/analyzer.h"
#include "query/date_math.h"
#include "query/ord_docs.h"
#include "query/plan.h"
#include "query/query_string.h"
#include "query/term_values.h"
#include "storage/field_value.h"
#include "storage/term_encoding.h"

namespace vigil::query {

using storage::Bitmap;
using storage::FieldType;

namespace {

bool IsString(FieldType t) { return t == FieldType::kKeyword || t == FieldType::kText; }

// A range clause after others that left fewer than 1 document in this many is checked on those
// documents alone (Evaluator::EvalWithin).
constexpr uint64_t kCandidateRatio = 16;

class Compiler {
 public:
  Compiler(const FieldResolver& fields, const ExecOptions& options)
      : fields_(fields), options_(options) {}

  Result<std::unique_ptr<PlanNode>> Compile(const Query& q, bool scoring);

 private:
  Result<std::unique_ptr<PlanNode>> Leaf(const Query& q, const ResolvedField& f, bool scoring);
  Status Range(const Query& q, const ResolvedField& f, PlanNode* n);

  const FieldResolver& fields_;
  const ExecOptions& options_;
};

Result<std::unique_ptr<PlanNode>> Compiler::Compile(const Query& q, bool scoring) {
  auto n = std::make_unique<PlanNode>();
  n->kind = q.kind;
  n->boost = q.boost;
  n->scoring = scoring;
  switch (q.kind) {
    case QueryKind::kMatchAll:
      n->op = LeafOp::kAll;
      return n;
    case QueryKind::kMatchNone:
      n->op = LeafOp::kNone;
      return n;
    case QueryKind::kBool:
    case QueryKind::kConstantScore: {
      const bool is_constant = q.kind == QueryKind::kConstantScore;
      auto add = [&](const std::vector<std::unique_ptr<Query>>& from,
                     std::vector<std::unique_ptr<PlanNode>>* to, bool child_scoring) -> Status {
        for (const auto& c : from) {
          Result<std::unique_ptr<PlanNode>> child = Compile(*c, child_scoring);
          if (!child.ok()) return child.status();
          to->push_back(std::move(*child));
        }
        return Status::Ok();
      };
      VIGIL_RETURN_IF_ERROR(add(q.must, &n->must, scoring && !is_constant));
      VIGIL_RETURN_IF_ERROR(add(q.filter, &n->filter, false));
      VIGIL_RETURN_IF_ERROR(add(q.should, &n->should, scoring));
      VIGIL_RETURN_IF_ERROR(add(q.must_not, &n->must_not, false));
      n->minimum_should_match = q.minimum_should_match >= 0
                                    ? q.minimum_should_match
                                    : (q.must.empty() && q.filter.empty() ? 1 : 0);
      if (q.should.empty()) n->minimum_should_match = 0;
      return n;
    }
    case QueryKind::kIds: {
      n->op = LeafOp::kTerms;
      n->field = fields_.Resolve(kIdField);
      for (const Scalar& v : q.values) n->terms.push_back(v.Text());
      std::sort(n->terms.begin(), n->terms.end());
      n->terms.erase(std::unique(n->terms.begin(), n->terms.end()), n->terms.end());
      return n;
    }
    default:
      break;
  }
  // A leaf on a field, or on every field a pattern names (any of them matching, leniently).
  if (q.field.find('*') != std::string::npos) {
    n->kind = QueryKind::kBool;
    n->minimum_should_match = 1;
    for (const ResolvedField& f : fields_.Expand(q.field)) {
      // Only the fields the value can be: a pattern or text over every field skips numbers.
      Result<std::unique_ptr<PlanNode>> leaf = Leaf(q, f, scoring);
      if (!leaf.ok()) continue;  // lenient: a value that does not fit a field skips it
      if ((*leaf)->op == LeafOp::kNone) continue;
      n->should.push_back(std::move(*leaf));
    }
    if (n->should.empty()) {
      n->kind = QueryKind::kMatchNone;
      n->op = LeafOp::kNone;
      n->minimum_should_match = 0;
    }
    return n;
  }
  ResolvedField f = fields_.Resolve(q.field);
  if (!f.known() && q.kind == QueryKind::kExists) {
    // An object ("service.action.portProbeAction") exists where any field under it does.
    std::vector<ResolvedField> under = fields_.Expand(q.field + ".*");
    if (!under.empty()) {
      n->kind = QueryKind::kBool;
      n->minimum_should_match = 1;
      for (const ResolvedField& u : under) {
        Result<std::unique_ptr<PlanNode>> leaf = Leaf(q, u, scoring);
        if (!leaf.ok()) return leaf.status();
        n->should.push_back(std::move(*leaf));
      }
      return n;
    }
  }
  if (!f.known()) {
    n->op = LeafOp::kNone;  // an unknown field matches nothing
    return n;
  }
  Result<std::unique_ptr<PlanNode>> leaf = Leaf(q, f, scoring);
  if (!leaf.ok() && q.lenient) {
    n->op = LeafOp::kNone;
    return n;
  }
  return leaf;
}

Status Compiler::Range(const Query& q, const ResolvedField& f, PlanNode* n) {
  n->op = LeafOp::kRange;
  auto bound = [&](const RangeBound& b, bool is_lower, std::optional<std::string>* out,
                   bool* inclusive) -> Status {
    *inclusive = b.inclusive;
    if (f.type == FieldType::kDate) {
      int64_t ms = 0;
      if (b.value.kind == Scalar::Kind::kLong) {
        ms = b.value.long_value;
      } else if (b.value.kind == Scalar::Kind::kDouble) {
        ms = static_cast<int64_t>(b.value.double_value);
      } else {
        Result<TimeZone> tz = TimeZone::Parse(q.time_zone);
        if (!tz.ok()) return ShardError(tz.status().message());
        Result<DateFormat> format =
            q.format.empty() ? Result<DateFormat>(DateFormat()) : DateFormat::Parse(q.format);
        if (!format.ok()) return ShardError(format.status().message());
        // gt and lte round up, gte and lt down (Elasticsearch).
        const bool round_up = is_lower ? !b.inclusive : b.inclusive;
        Result<int64_t> v = ParseDateMath(b.value.Text(), options_.now, *tz, round_up, *format);
        if (!v.ok()) {
          return ShardError(fmt::format("failed to parse date [{}] of field [{}]: {}",
                                        b.value.Text(), f.name, v.status().message()));
        }
        ms = *v;
      }
      std::string t;
      storage::EncodeSortableLong(ms, &t);
      *out = std::move(t);
      return Status::Ok();
    }
    if (f.type == FieldType::kLong) {
      // A fractional bound on a long field: the whole numbers inside it.
      double d = std::nan("");
      if (b.value.kind == Scalar::Kind::kDouble) d = b.value.double_value;
      if (b.value.kind == Scalar::Kind::kString) {
        const std::string& s = b.value.string;
        double parsed = 0;
        auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), parsed);
        if (ec == std::errc() && p == s.data() + s.size() && std::floor(parsed) != parsed)
          d = parsed;
      }
      if (!std::isnan(d) && std::floor(d) != d) {
        std::string t;
        storage::EncodeSortableLong(static_cast<int64_t>(is_lower ? std::ceil(d) : std::floor(d)),
                                    &t);
        *out = std::move(t);
        *inclusive = true;
        return Status::Ok();
      }
    }
    Result<std::string> t =
        ValueToTerm(f.type == FieldType::kText ? FieldType::kKeyword : f.type, b.value, f.name);
    if (!t.ok()) return t.status();
    *out = std::move(*t);
    return Status::Ok();
  };
  if (f.type == FieldType::kGeoPoint) {
    return ShardError(
        fmt::format("field [{}] of type [geo_point] does not support range queries", f.name));
  }
  if (q.lower) VIGIL_RETURN_IF_ERROR(bound(*q.lower, true, &n->lower, &n->lower_inclusive));
  if (q.upper) VIGIL_RETURN_IF_ERROR(bound(*q.upper, false, &n->upper, &n->upper_inclusive));
  return Status::Ok();
}

Result<std::unique_ptr<PlanNode>> Compiler::Leaf(const Query& q, const ResolvedField& f,
                                                 bool scoring) {
  auto n = std::make_unique<PlanNode>();
  n->kind = q.kind;
  n->boost = q.boost;
  n->scoring = scoring;
  n->field = f;
  const bool is_string = IsString(f.type);
  auto need_string = [&](std::string_view what) {
    return ShardError(fmt::format(
        "can only use {} queries on keyword and text fields, not on [{}] which is of type [{}]",
        what, f.name, storage::FieldTypeName(f.type)));
  };
  auto add_terms = [&](const std::vector<Scalar>& values) -> Status {
    for (const Scalar& v : values) {
      if (f.type == FieldType::kIp && v.kind == Scalar::Kind::kString &&
          v.string.find('/') != std::string::npos) {
        std::string lo;
        std::string hi;
        if (!CidrRange(v.string, &lo, &hi)) {
          return ShardError(fmt::format("[{}] is not an IP address or CIDR block", v.string));
        }
        if (values.size() > 1) {
          return ShardError("a CIDR block is only supported as the one value of a term query");
        }
        n->op = LeafOp::kRange;
        n->lower = lo;
        n->upper = hi;
        return Status::Ok();
      }
      Result<std::string> t = ValueToTerm(f.type, v, f.name);
      if (!t.ok()) {
        if (q.lenient) continue;
        if (f.has_conflicts) {
          n->conflict_terms.push_back(v.Text());  // the conflict-safe form of the field
          continue;
        }
        return t.status();
      }
      n->terms.push_back(std::move(*t));
    }
    std::sort(n->terms.begin(), n->terms.end());
    n->terms.erase(std::unique(n->terms.begin(), n->terms.end()), n->terms.end());
    if (n->op != LeafOp::kRange) n->op = LeafOp::kTerms;
    if (q.case_insensitive && is_string && !n->terms.empty()) {
      storage::TermPatternOptions o;
      o.case_insensitive = true;
      Result<storage::TermPattern> p =
          storage::TermPattern::Regex(CaseInsensitiveRegex(n->terms), o);
      if (!p.ok()) return ShardError(p.status().message());
      n->pattern = std::move(*p);
      n->op = LeafOp::kPattern;
    }
    return Status::Ok();
  };
  switch (q.kind) {
    case QueryKind::kTerm:
    case QueryKind::kTerms:
      VIGIL_RETURN_IF_ERROR(add_terms(q.values));
      return n;
    case QueryKind::kRange:
      VIGIL_RETURN_IF_ERROR(Range(q, f, n.get()));
      return n;
    case QueryKind::kExists:
      n->op = LeafOp::kExists;
      return n;
    case QueryKind::kPrefix:
    case QueryKind::kWildcard:
    case QueryKind::kRegexp: {
      std::string_view what = q.kind == QueryKind::kPrefix     ? "prefix"
                              : q.kind == QueryKind::kWildcard ? "wildcard"
                                                               : "regexp";
      if (!is_string) return need_string(what);
      storage::TermPatternOptions o;
      o.case_insensitive = q.case_insensitive;
      const std::string value = q.values.empty() ? "" : q.values[0].Text();
      auto compile = [&]() -> Result<storage::TermPattern> {
        if (q.kind == QueryKind::kPrefix) {
          return storage::TermPattern::Regex(re2::RE2::QuoteMeta(value) + ".*", o);
        }
        if (q.kind == QueryKind::kWildcard) return storage::TermPattern::Wildcard(value, o);
        Result<std::string> re = LuceneRegexToRe2(value);
        if (!re.ok()) return ShardError(re.status().message());
        return storage::TermPattern::Regex(*re, o);
      };
      Result<storage::TermPattern> p = compile();
      if (!p.ok()) {
        return Status(p.status().code(), p.status().message())
            .WithDetail(std::string(kShardErrorType));
      }
      n->pattern = std::move(*p);
      n->op = LeafOp::kPattern;
      return n;
    }
    case QueryKind::kMatch:
    case QueryKind::kMatchPhrase: {
      if (f.type == FieldType::kText) {
        n->op = LeafOp::kText;
        Tokenize(q.values.empty() ? "" : q.values[0].Text(), &n->tokens);
        n->phrase = q.kind == QueryKind::kMatchPhrase;
        n->all_tokens = q.operator_and;
        if (n->tokens.empty()) n->op = LeafOp::kNone;
        return n;
      }
      VIGIL_RETURN_IF_ERROR(add_terms(q.values));
      return n;
    }
    default:
      break;
  }
  return ShardError("unsupported query");
}

bool ScoresVary(const PlanNode& n) {
  if (!n.scoring) return false;
  if (n.op == LeafOp::kText) return true;  // BM25
  if (n.kind == QueryKind::kBool) {
    if (!n.should.empty()) return true;
    for (const auto& c : n.must) {
      if (ScoresVary(*c)) return true;
    }
  }
  return false;
}

class Evaluator {
 public:
  Evaluator(const SegmentContext& seg, const ExecOptions& options) : seg_(seg), options_(options) {}

  Result<Bitmap> Eval(const PlanNode& n) {
    Result<Bitmap> r = EvalNode(n);
    if (r.ok() && n.scoring) n.last = *r;
    return r;
  }

 private:
  Bitmap All() const {
    Bitmap b;
    b.addRange(0, seg_.reader->num_docs());
    return b;
  }

  Result<Bitmap> EvalNode(const PlanNode& n) {
    if (n.kind == QueryKind::kBool || n.kind == QueryKind::kConstantScore) return EvalBool(n);
    Bitmap out;
    switch (n.op) {
      case LeafOp::kNone:
        return out;
      case LeafOp::kAll:
        return All();
      default:
        break;
    }
    FieldInSegment f = FindSegmentField(seg_, n.field);
    const storage::SegmentReader& r = *seg_.reader;
    if (f.present()) {
      Result<storage::TermDict> dict = r.Terms(f.index);
      if (!dict.ok()) return dict.status();
      switch (n.op) {
        case LeafOp::kTerms: {
          Result<storage::Postings> p = r.GetPostings(f.index);
          if (!p.ok()) return p.status();
          for (const std::string& t : n.terms) {
            Result<std::optional<uint32_t>> ord = dict->Find(t);
            if (!ord.ok()) return ord.status();
            if (ord->has_value()) VIGIL_RETURN_IF_ERROR(p->AddTo(**ord, &out));
          }
          break;
        }
        case LeafOp::kRange: {
          Result<std::pair<uint32_t, uint32_t>> ords = RangeOrds(n, *dict);
          if (!ords.ok()) return ords.status();
          VIGIL_RETURN_IF_ERROR(AddOrdRange(r, f.index, ords->first, ords->second, &out));
          break;
        }
        case LeafOp::kPattern: {
          std::vector<uint32_t> ords;
          VIGIL_RETURN_IF_ERROR(storage::ForEachMatchingTerm(
              *dict, *n.pattern, options_.max_pattern_terms, [&](uint32_t ord, std::string_view) {
                ords.push_back(ord);
                return true;
              }));
          VIGIL_RETURN_IF_ERROR(AddOrds(r, f.index, ords, &out));
          break;
        }
        case LeafOp::kText: {
          if (dict->size() > options_.max_text_terms) {
            return Status::ResourceExhausted(fmt::format(
                "a match on [{}] would analyse {} distinct values in one segment, over the limit "
                "of {}",
                n.field.name, dict->size(), options_.max_text_terms));
          }
          std::vector<uint32_t> ords;
          std::vector<std::string> scratch;
          if (n.scoring) n.ord_scores.assign(dict->size(), 0.0f);
          storage::TermDict::Iterator it(*dict);
          VIGIL_RETURN_IF_ERROR(it.Seek(0));
          while (it.Valid()) {
            if (TextMatches(n, it.term(), &scratch)) {
              ords.push_back(it.ord());
              if (n.scoring) n.ord_scores[it.ord()] = Bm25(n, scratch);
            }
            VIGIL_RETURN_IF_ERROR(it.Next());
          }
          if (n.scoring) {
            Result<storage::Column> col = r.GetColumn(f.index);
            if (!col.ok()) return col.status();
            n.score_column = *col;
            n.has_scores = true;
          }
          VIGIL_RETURN_IF_ERROR(AddOrds(r, f.index, ords, &out));
          break;
        }
        case LeafOp::kExists:
          VIGIL_RETURN_IF_ERROR(AddOrdRange(r, f.index, 0, dict->size(), &out));
          break;
        default:
          break;
      }
    }
    // The conflict entry: values that did not fit the field's type, as keyword text.
    if (f.conflict_index >= 0 && (n.op == LeafOp::kExists || !n.conflict_terms.empty())) {
      Result<storage::TermDict> dict = r.Terms(f.conflict_index);
      if (!dict.ok()) return dict.status();
      if (n.op == LeafOp::kExists) {
        VIGIL_RETURN_IF_ERROR(AddOrdRange(r, f.conflict_index, 0, dict->size(), &out));
      } else {
        Result<storage::Postings> p = r.GetPostings(f.conflict_index);
        if (!p.ok()) return p.status();
        for (const std::string& t : n.conflict_terms) {
          Result<std::optional<uint32_t>> ord = dict->Find(t);
          if (!ord.ok()) return ord.status();
          if (ord->has_value()) VIGIL_RETURN_IF_ERROR(p->AddTo(**ord, &out));
        }
      }
    }
    return out;
  }

  // The ordinals [lo, hi) of a range leaf's bounds in a segment's dictionary.
  static Result<std::pair<uint32_t, uint32_t>> RangeOrds(const PlanNode& n,
                                                         const storage::TermDict& dict) {
    uint32_t lo = 0;
    uint32_t hi = dict.size();
    if (n.lower) {
      Result<uint32_t> b =
          n.lower_inclusive ? dict.LowerBound(*n.lower) : dict.UpperBound(*n.lower);
      if (!b.ok()) return b.status();
      lo = *b;
    }
    if (n.upper) {
      Result<uint32_t> b =
          n.upper_inclusive ? dict.UpperBound(*n.upper) : dict.LowerBound(*n.upper);
      if (!b.ok()) return b.status();
      hi = *b;
    }
    return std::make_pair(lo, hi);
  }

  // A clause that only has to be checked on a few candidates (the documents the clauses before
  // it left) is checked on them alone: a range on their column values, a bool clause with the
  // candidates as its start, instead of collecting every document in the range. A time range
  // or a rule's query after a selective term then costs the term's documents, not the range's.
  bool FewCandidates(const Bitmap& candidates) const {
    return candidates.cardinality() * kCandidateRatio < seg_.reader->num_docs();
  }
  Result<Bitmap> EvalWithin(const PlanNode& c, const Bitmap& candidates) {
    if (!c.scoring) {
      if (c.kind == QueryKind::kBool || c.kind == QueryKind::kConstantScore) {
        return EvalBool(c, &candidates);
      }
      if (c.op == LeafOp::kRange && c.conflict_terms.empty()) return RangeWithin(c, candidates);
    }
    Result<Bitmap> b = Eval(c);
    if (b.ok()) *b &= candidates;
    return b;
  }
  Result<Bitmap> RangeWithin(const PlanNode& n, const Bitmap& candidates) {
    Bitmap out;
    FieldInSegment f = FindSegmentField(seg_, n.field);
    if (!f.present()) return out;
    const storage::SegmentReader& r = *seg_.reader;
    Result<storage::TermDict> dict = r.Terms(f.index);
    if (!dict.ok()) return dict.status();
    Result<std::pair<uint32_t, uint32_t>> ords = RangeOrds(n, *dict);
    if (!ords.ok()) return ords.status();
    const uint32_t lo = ords->first;
    const uint32_t hi = ords->second;
    if (lo >= hi) return out;
    Result<storage::Column> col = r.GetColumn(f.index);
    if (!col.ok()) return col.status();
    std::vector<uint32_t> docs;
    for (uint32_t d : candidates) {
      bool hit = false;
      col->ForEach(d, [&](uint32_t o) { hit = hit || (o >= lo && o < hi); });
      if (hit) docs.push_back(d);
    }
    out.addMany(docs.size(), docs.data());
    return out;
  }

  // The documents of a bool (or constant_score) node; with `within`, only those among them
  // (the caller intersects with them anyway).
  Result<Bitmap> EvalBool(const PlanNode& n, const Bitmap* within = nullptr) {
    std::optional<Bitmap> acc;
    if (within != nullptr) acc = *within;
    // Once the required clauses leave nothing, the rest cannot add anything: skip them (a
    // selective clause first, such as a recent time range, spares the segments it excludes).
    auto intersect = [&](const std::vector<std::unique_ptr<PlanNode>>& list) -> Status {
      for (const auto& c : list) {
        if (acc && acc->isEmpty()) return Status::Ok();
        if (acc && FewCandidates(*acc)) {
          Result<Bitmap> b = EvalWithin(*c, *acc);
          if (!b.ok()) return b.status();
          acc = std::move(*b);
          continue;
        }
        Result<Bitmap> b = Eval(*c);
        if (!b.ok()) return b.status();
        if (!acc) {
          acc = std::move(*b);
        } else {
          *acc &= *b;
        }
      }
      return Status::Ok();
    };
    VIGIL_RETURN_IF_ERROR(intersect(n.must));
    VIGIL_RETURN_IF_ERROR(intersect(n.filter));
    if (acc && acc->isEmpty()) return Bitmap();
    if (!n.should.empty()) {
      if (n.minimum_should_match <= 1) {
        Bitmap any;
        const bool few = acc && n.minimum_should_match == 1 && FewCandidates(*acc);
        for (const auto& c : n.should) {
          Result<Bitmap> b = few ? EvalWithin(*c, *acc) : Eval(*c);
          if (!b.ok()) return b.status();
          any |= *b;
        }
        if (n.minimum_should_match == 1) {
          if (!acc) {
            acc = std::move(any);
          } else {
            *acc &= any;
          }
        }
      } else {
        std::vector<uint16_t> counts(seg_.reader->num_docs(), 0);
        for (const auto& c : n.should) {
          Result<Bitmap> b = Eval(*c);
          if (!b.ok()) return b.status();
          for (uint32_t d : *b) ++counts[d];
        }
        Bitmap enough;
        for (uint32_t d = 0; d < counts.size(); ++d) {
          if (counts[d] >= n.minimum_should_match) enough.add(d);
        }
        if (!acc) {
          acc = std::move(enough);
        } else {
          *acc &= enough;
        }
      }
    }
    if (!acc) acc = All();  // only must_not clauses, or none: everything else
    for (const auto& c : n.must_not) {
      Result<Bitmap> b = Eval(*c);
      if (!b.ok()) return b.status();
      *acc -= *b;
    }
    return std::move(*acc);
  }

  const SegmentContext& seg_;
  const ExecOptions& options_;
};

float ScoreOf(const PlanNode& n, uint32_t doc) {
  switch (n.kind) {
    case QueryKind::kConstantScore:
      return n.boost;
    case QueryKind::kBool: {
      if (n.op == LeafOp::kNone && n.should.empty() && n.must.empty() && n.filter.empty() &&
          n.must_not.empty()) {
        return n.boost;  // an empty bool is a match_all
      }
      float s = 0;
      for (const auto& c : n.must) s += ScoreOf(*c, doc);
      for (const auto& c : n.should) {
        if (c->last.contains(doc)) s += ScoreOf(*c, doc);
      }
      return s * n.boost;
    }
    default:
      if (n.op == LeafOp::kText && n.has_scores) {
        float best = 0;
        n.score_column.ForEach(doc, [&](uint32_t o) {
          if (o < n.ord_scores.size()) best = std::max(best, n.ord_scores[o]);
        });
        return best;
      }
      return n.boost;
  }
}

}  // namespace

CompiledQuery::CompiledQuery() = default;
CompiledQuery::CompiledQuery(CompiledQuery&&) noexcept = default;
CompiledQuery& CompiledQuery::operator=(CompiledQuery&&) noexcept = default;
CompiledQuery::~CompiledQuery() = default;

Result<CompiledQuery> CompiledQuery::Compile(const Query& query, const FieldResolver& fields,
                                             const ExecOptions& options) {
  CompiledQuery cq;
  cq.options_ = options;
  Compiler compiler(fields, cq.options_);
  Result<std::unique_ptr<PlanNode>> root = compiler.Compile(query, true);
  if (!root.ok()) return root.status();
  cq.root_ = std::move(*root);
  cq.scores_vary_ = ScoresVary(*cq.root_);
  if (!options.account_scope.empty()) {
    Query scope;
    scope.kind = QueryKind::kTerms;
    scope.field = "accountId";
    for (const std::string& a : options.account_scope) scope.values.push_back(Scalar::String(a));
    Result<std::unique_ptr<PlanNode>> s = compiler.Compile(scope, false);
    if (!s.ok()) return s.status();
    cq.scope_ = std::move(*s);
  }
  return cq;
}

Result<Bitmap> CompiledQuery::Match(const SegmentContext& segment) const {
  Evaluator ev(segment, options_);
  Result<Bitmap> b = ev.Eval(*root_);
  if (!b.ok()) return b.status();
  if (scope_) {
    Result<Bitmap> s = ev.Eval(*scope_);
    if (!s.ok()) return s.status();
    *b &= *s;
  }
  *b -= *segment.view->deleted;
  return b;
}

float CompiledQuery::Score(uint32_t doc) const { return ScoreOf(*root_, doc); }

Status CompiledQuery::Prepare(const storage::Snapshot& snapshot) {
  return PrepareText(root_.get(), snapshot);
}

}  // namespace vigil::query
