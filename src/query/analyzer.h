// The text analysis of `text` fields (title, description) and of the text of `match` queries:
// Elasticsearch's standard analyzer, approximated for ASCII (UAX #29 word boundaries, then lower
// case). Letters and digits form words; `_` joins them; `.`, `'` and `:` join two letters, and
// `.`, `'`, `,` and `;` two digits, so "Recon:EC2/Portscan" gives "recon:ec2", "portscan", and
// "198.51.100.7" one token. Bytes of multi-byte UTF-8 characters count as letters and are not
// case-folded.
#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace vigil::query {

// Appends the tokens of `text` to *out.
void Tokenize(std::string_view text, std::vector<std::string>* out);

}  // namespace vigil::query
