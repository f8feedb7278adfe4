#include "query/analyzer.h"

namespace vigil::query {

namespace {

enum class Cls : uint8_t { kOther, kLetter, kDigit, kJoin /* _ */, kMidLetter, kMidNum, kMidBoth };

Cls Classify(unsigned char c) {
  if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c >= 0x80) return Cls::kLetter;
  if (c >= '0' && c <= '9') return Cls::kDigit;
  if (c == '_') return Cls::kJoin;
  if (c == ':') return Cls::kMidLetter;
  if (c == ',' || c == ';') return Cls::kMidNum;
  if (c == '.' || c == '\'') return Cls::kMidBoth;
  return Cls::kOther;
}

bool IsWordChar(Cls c) { return c == Cls::kLetter || c == Cls::kDigit || c == Cls::kJoin; }

}  // namespace

void Tokenize(std::string_view text, std::vector<std::string>* out) {
  size_t i = 0;
  const size_t n = text.size();
  while (i < n) {
    while (i < n && !IsWordChar(Classify(static_cast<unsigned char>(text[i])))) ++i;
    if (i >= n) break;
    std::string token;
    while (i < n) {
      const auto c = static_cast<unsigned char>(text[i]);
      const Cls cls = Classify(c);
      if (IsWordChar(cls)) {
        token.push_back(c >= 'A' && c <= 'Z' ? static_cast<char>(c - 'A' + 'a')
                                             : static_cast<char>(c));
        ++i;
        continue;
      }
      // A middle character joins only between two word characters of the right kinds.
      if (cls != Cls::kMidLetter && cls != Cls::kMidNum && cls != Cls::kMidBoth) break;
      if (i + 1 >= n || token.empty()) break;
      const Cls before = Classify(static_cast<unsigned char>(text[i - 1]));
      const Cls after = Classify(static_cast<unsigned char>(text[i + 1]));
      const bool letters = before == Cls::kLetter && after == Cls::kLetter &&
                           (cls == Cls::kMidLetter || cls == Cls::kMidBoth);
      const bool digits = before == Cls::kDigit && after == Cls::kDigit &&
                          (cls == Cls::kMidNum || cls == Cls::kMidBoth);
      if (!letters && !digits) break;
      token.push_back(static_cast<char>(c));
      ++i;
    }
    out->push_back(std::move(token));
  }
}

}  // namespace vigil::query
