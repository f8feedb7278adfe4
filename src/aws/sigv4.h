// AWS Signature Version 4
// (https://docs.aws.amazon.com/IAM/latest/UserGuide/create-signed-request.html) for requests Vigil
// sends to AWS (SNS Publish). The canonical request is built from the method, the path, the query,
// the headers to sign and the SHA-256 of the body; the string to sign from the time, the scope
// (date/region/service/aws4_request) and the hash of the canonical request; the key is derived from
// the secret through the date, region and service.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace vigil::aws {

struct Credentials {
  std::string access_key_id;
  std::string secret_access_key;
  std::string session_token;  // temporary credentials only
};

// AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY and AWS_SESSION_TOKEN; nullopt when the first two are
// not both set.
std::optional<Credentials> CredentialsFromEnvironment();

struct SignableRequest {
  std::string method = "POST";
  std::string host;                                          // as in the Host header
  std::string path = "/";                                    // already URI-encoded
  std::string query;                                         // already encoded, without '?'
  std::vector<std::pair<std::string, std::string>> headers;  // signed besides host, x-amz-date
  std::string body;
};

// The headers to add to `request` to sign it at `amz_date` ("20150830T123600Z"): X-Amz-Date,
// X-Amz-Security-Token when the credentials have a session token, and Authorization.
std::vector<std::pair<std::string, std::string>> SignV4(const SignableRequest& request,
                                                        std::string_view region,
                                                        std::string_view service,
                                                        const Credentials& credentials,
                                                        std::string_view amz_date);

// "YYYYMMDDTHHMMSSZ" of an epoch time in milliseconds.
std::string AmzDate(int64_t epoch_ms);

// Lower-case hex of SHA-256.
std::string Sha256Hex(std::string_view data);

}  // namespace vigil::aws
