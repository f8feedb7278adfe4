// Terms: the byte strings a field's values become in the term dictionary. The encoding of each
// type sorts bytewise in the type's natural order, so a range query on numbers, dates or IPs is a
// range of the sorted dictionary, and a column can hold ordinals for every type.
//
//   keyword, text  the UTF-8 bytes
//   long, date     8 bytes big-endian of the value with the sign bit flipped
//   double         8 bytes big-endian of the IEEE bits, negative values inverted (-0 -> 0)
//   boolean        one byte: 0 or 1
//   ip             16 bytes: IPv6, with IPv4 as IPv4-mapped (::ffff:a.b.c.d)
//   geo_point      16 bytes: the latitude and the longitude as doubles above
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "storage/field_value.h"

namespace vigil::storage {

// Appends the term of `value` for a field of `type` and returns true; returns false, appending
// nothing, when the value does not fit the type (a mapping conflict). Coercions, as in
// Elasticsearch: a long into a double field; an integral double into a long field; a date string
// (ISO-8601) or a long (epoch ms) into a date field; "true"/"false" into a boolean field; an IP
// string into an ip field.
bool EncodeTerm(FieldType type, const FieldValue& value, std::string* out);

// The conflict-safe form of a value that does not fit its field's type: its text, indexed as a
// keyword beside the field ("12", "1.5", "true", "lat,lon").
void ConflictText(const FieldValue& value, std::string* out);

// The value a term stands for. A keyword value views `term`. Returns a kNull value for a term
// that is malformed for the type.
FieldValue DecodeTerm(FieldType type, std::string_view term);

// A term printed for people and JSON: keyword as is, numbers in decimal, dates as ISO-8601,
// IPs in standard notation, geo points as "lat,lon".
std::string TermToString(FieldType type, std::string_view term);

void EncodeSortableLong(int64_t v, std::string* out);
void EncodeSortableDouble(double v, std::string* out);
int64_t DecodeSortableLong(std::string_view term);   // term.size() must be 8
double DecodeSortableDouble(std::string_view term);  // term.size() must be 8

// Parses an IPv4 or IPv6 address into 16 bytes (IPv4 as IPv4-mapped). False when not an IP.
bool ParseIp(std::string_view text, std::string* out16);
// Formats 16 bytes; IPv4-mapped addresses print as IPv4.
std::string FormatIp(std::string_view bytes16);

}  // namespace vigil::storage
