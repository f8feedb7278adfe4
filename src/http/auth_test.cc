#include "http/auth.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <atomic>
#include <cctype>
#include <set>
#include <thread>

namespace vigil::http {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;
using Headers = std::vector<std::pair<std::string, std::string>>;
using Verdict = Authenticator::Verdict;

constexpr char kIngestKey[] = "vgl_ingest-secret";
constexpr char kReadKey[] = "vgl_read-secret";
constexpr char kAdminKey[] = "vgl_admin-secret";

Headers Bearer(std::string key) { return {{"authorization", "Bearer " + key}}; }

class AuthenticatorTest : public ::testing::Test {
 protected:
  static std::vector<ApiKey> Keys() {
    return {{"ci-ingest", Sha256Hex(kIngestKey), Role::kIngest, {}},
            {"analyst", Sha256Hex(kReadKey), Role::kRead, {"123456789012"}},
            {"ops", Sha256Hex(kAdminKey), Role::kAdmin, {}}};
  }
  // Upper-case hex and header names work too.
  static std::vector<ApiKey> KeysWithUpperCaseAdmin() {
    std::vector<ApiKey> keys = Keys();
    for (char& c : keys[2].sha256_hex) {
      c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
    }
    return keys;
  }

  Authenticator::Decision Check(const Headers& headers, Access access = Access::kRead,
                                std::string_view remote = "10.0.0.1") {
    return auth_.Check(headers, remote, access);
  }
  // Fails `n` times from `remote` with an unknown key.
  void Fail(int n, std::string_view remote = "10.0.0.1") {
    for (int i = 0; i < n; ++i) {
      ASSERT_EQ(Check(Bearer("vgl_wrong"), Access::kRead, remote).verdict, Verdict::kInvalid)
          << "attempt " << i + 1 << " from " << remote;
    }
  }

  int64_t now_ = 5'000'000;
  Authenticator auth_{KeysWithUpperCaseAdmin(), "X-Vigil-Key", [this] { return now_; }};
};

TEST(Sha256HexTest, KnownVectors) {
  EXPECT_EQ(Sha256Hex("abc"), "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
  EXPECT_EQ(Sha256Hex(""), "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
}

TEST(NewApiKeyTest, PrefixedBase64UrlOf32BytesAndUnique) {
  std::set<std::string> seen;
  for (int i = 0; i < 200; ++i) {
    const std::string key = NewApiKey();
    ASSERT_EQ(key.size(), 4u + 43u) << key;  // 32 bytes: 43 base64 characters without padding
    EXPECT_TRUE(key.starts_with("vgl_")) << key;
    for (char c : key.substr(4)) {
      EXPECT_TRUE(std::isalnum(static_cast<unsigned char>(c)) || c == '-' || c == '_') << key;
    }
    // 256 bits in 43 characters: the last carries 4 bits, so its 2 low bits are zero.
    const std::string alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
    EXPECT_EQ(alphabet.find(key.back()) % 4, 0u) << key;
    EXPECT_TRUE(seen.insert(key).second) << "repeated " << key;
  }
}

TEST(RoleTest, ParseAndNameRoundTrip) {
  for (Role r : {Role::kIngest, Role::kRead, Role::kAdmin}) EXPECT_EQ(ParseRole(RoleName(r)), r);
  EXPECT_EQ(ParseRole("writer"), std::nullopt);
  EXPECT_EQ(ParseRole("Admin"), std::nullopt);
  EXPECT_EQ(ParseRole(""), std::nullopt);
}

TEST(RoleTest, EachRoleAgainstEachAccess) {
  EXPECT_TRUE(RoleAllows(Role::kIngest, Access::kOpen));
  EXPECT_FALSE(RoleAllows(Role::kIngest, Access::kRead));
  EXPECT_TRUE(RoleAllows(Role::kIngest, Access::kWrite));
  EXPECT_FALSE(RoleAllows(Role::kIngest, Access::kAdmin));

  EXPECT_TRUE(RoleAllows(Role::kRead, Access::kOpen));
  EXPECT_TRUE(RoleAllows(Role::kRead, Access::kRead));
  EXPECT_FALSE(RoleAllows(Role::kRead, Access::kWrite));
  EXPECT_FALSE(RoleAllows(Role::kRead, Access::kAdmin));

  EXPECT_TRUE(RoleAllows(Role::kAdmin, Access::kOpen));
  EXPECT_TRUE(RoleAllows(Role::kAdmin, Access::kRead));
  EXPECT_TRUE(RoleAllows(Role::kAdmin, Access::kWrite));
  EXPECT_TRUE(RoleAllows(Role::kAdmin, Access::kAdmin));
}

TEST(AuthenticatorDisabledTest, WithoutKeysEverythingIsOpen) {
  Authenticator auth({}, "x-vigil-key");
  EXPECT_FALSE(auth.enabled());
  for (Access a : {Access::kOpen, Access::kRead, Access::kWrite, Access::kAdmin}) {
    Authenticator::Decision d = auth.Check({}, "192.0.2.1", a);
    EXPECT_EQ(d.verdict, Verdict::kOk);
    EXPECT_EQ(d.principal, std::nullopt);
  }
}

TEST_F(AuthenticatorTest, EachKeyAgainstEachAccess) {
  EXPECT_TRUE(auth_.enabled());
  struct Case {
    const char* key;
    const char* name;
    Role role;
  };
  for (const Case& c :
       {Case{kIngestKey, "ci-ingest", Role::kIngest}, Case{kReadKey, "analyst", Role::kRead},
        Case{kAdminKey, "ops", Role::kAdmin}}) {
    for (Access a : {Access::kRead, Access::kWrite, Access::kAdmin}) {
      SCOPED_TRACE(std::string(c.name) + " access " + std::to_string(static_cast<int>(a)));
      Authenticator::Decision d = Check(Bearer(c.key), a);
      if (RoleAllows(c.role, a)) {
        ASSERT_EQ(d.verdict, Verdict::kOk) << d.reason;
        ASSERT_TRUE(d.principal.has_value());
        EXPECT_EQ(d.principal->name, c.name);
        EXPECT_EQ(d.principal->role, c.role);
        EXPECT_TRUE(d.reason.empty());
      } else {
        EXPECT_EQ(d.verdict, Verdict::kForbidden);
        EXPECT_EQ(d.principal, std::nullopt);
        EXPECT_THAT(d.reason, HasSubstr(std::string("API key [") + c.name + "]"));
        EXPECT_THAT(d.reason, HasSubstr(std::string("role [") + std::string(RoleName(c.role))));
        EXPECT_THAT(d.reason, Not(HasSubstr("secret")));
      }
    }
  }
  // The ingest key may not read, the read key may not write: the first read / write pair.
  EXPECT_EQ(Check(Bearer(kIngestKey), Access::kRead).reason,
            "action [read] is unauthorized for API key [ci-ingest] with role [ingest]");
}

TEST_F(AuthenticatorTest, PrincipalCarriesTheAccountScope) {
  Authenticator::Decision d = Check(Bearer(kReadKey), Access::kRead);
  ASSERT_TRUE(d.principal.has_value());
  EXPECT_EQ(d.principal->accounts, std::vector<std::string>{"123456789012"});
  d = Check(Bearer(kAdminKey), Access::kRead);
  ASSERT_TRUE(d.principal.has_value());
  EXPECT_TRUE(d.principal->accounts.empty());
}

TEST_F(AuthenticatorTest, OpenAccessNeedsNoKeyAndIgnoresABadOne) {
  EXPECT_EQ(Check({}, Access::kOpen).verdict, Verdict::kOk);
  EXPECT_EQ(Check(Bearer("vgl_wrong"), Access::kOpen).verdict, Verdict::kOk);
  EXPECT_EQ(Check(Bearer("vgl_wrong"), Access::kRead).verdict, Verdict::kInvalid);
}

TEST_F(AuthenticatorTest, SchemesAreCaseInsensitiveAndSpacesAreIgnored) {
  for (const std::string& value :
       {std::string("ApiKey ") + kReadKey, std::string("apikey ") + kReadKey,
        std::string("APIKEY ") + kReadKey, std::string("Bearer ") + kReadKey,
        std::string("bearer ") + kReadKey, std::string("BEARER    ") + kReadKey + "   ",
        std::string("  \tBearer\t") + kReadKey + "\t"}) {
    Authenticator::Decision d = Check({{"authorization", value}});
    EXPECT_EQ(d.verdict, Verdict::kOk) << "[" << value << "]: " << d.reason;
  }
}

TEST_F(AuthenticatorTest, CustomHeaderCarriesTheKeyAsItIs) {
  EXPECT_EQ(Check({{"x-vigil-key", kReadKey}}).verdict, Verdict::kOk);
  EXPECT_EQ(Check({{"x-vigil-key", std::string("  ") + kReadKey + " "}}).verdict, Verdict::kOk);
  // Not a scheme: "Bearer <key>" in the custom header is not the key.
  EXPECT_EQ(Check({{"x-vigil-key", std::string("Bearer ") + kReadKey}}).verdict, Verdict::kInvalid);
  // Other headers carry nothing.
  EXPECT_EQ(Check({{"x-api-key", kReadKey}}).verdict, Verdict::kMissing);
}

TEST_F(AuthenticatorTest, CustomHeaderIsIgnoredWhenNotConfigured) {
  Authenticator auth(Keys(), "");
  EXPECT_EQ(auth.Check({{"x-vigil-key", kReadKey}}, "10.0.0.1", Access::kRead).verdict,
            Verdict::kMissing);
}

TEST_F(AuthenticatorTest, MissingCredentials) {
  Authenticator::Decision d = Check({});
  EXPECT_EQ(d.verdict, Verdict::kMissing);
  EXPECT_EQ(d.reason, "missing authentication credentials for REST request");
  EXPECT_EQ(Check({{"authorization", "Bearer"}}).verdict, Verdict::kMissing);
  EXPECT_EQ(Check({{"authorization", "Bearer   "}}).verdict, Verdict::kMissing);
  EXPECT_EQ(Check({{"x-vigil-key", ""}}).verdict, Verdict::kMissing);
}

TEST_F(AuthenticatorTest, OtherSchemesAreMissingAndNeverEchoed) {
  Authenticator::Decision d = Check({{"authorization", "Digest dXNlcjpwYXNz"}});
  EXPECT_EQ(d.verdict, Verdict::kMissing);
  EXPECT_THAT(d.reason, HasSubstr("unsupported authentication scheme"));
  EXPECT_THAT(d.reason, Not(HasSubstr("dXNlcjpwYXNz")));
  // A key sent without a scheme is taken for a scheme, and not repeated either.
  d = Check({{"authorization", kReadKey}});
  EXPECT_EQ(d.verdict, Verdict::kMissing);
  EXPECT_THAT(d.reason, Not(HasSubstr("secret")));
}

// Basic user:key, what an SNS subscription URL with credentials sends: the password is the key.
TEST_F(AuthenticatorTest, BasicCarriesTheKeyAsPassword) {
  auto basic = [](const std::string& user_pass) {
    static const char kAlphabet[] =
        "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    std::string out;
    size_t i = 0;
    for (; i + 3 <= user_pass.size(); i += 3) {
      const uint32_t v = (static_cast<unsigned char>(user_pass[i]) << 16) |
                         (static_cast<unsigned char>(user_pass[i + 1]) << 8) |
                         static_cast<unsigned char>(user_pass[i + 2]);
      for (int s = 18; s >= 0; s -= 6) out += kAlphabet[(v >> s) & 63];
    }
    if (user_pass.size() - i == 1) {
      const uint32_t v = static_cast<unsigned char>(user_pass[i]) << 16;
      out += std::string{kAlphabet[(v >> 18) & 63], kAlphabet[(v >> 12) & 63], '=', '='};
    } else if (user_pass.size() - i == 2) {
      const uint32_t v = (static_cast<unsigned char>(user_pass[i]) << 16) |
                         (static_cast<unsigned char>(user_pass[i + 1]) << 8);
      out += std::string{kAlphabet[(v >> 18) & 63], kAlphabet[(v >> 12) & 63],
                         kAlphabet[(v >> 6) & 63], '='};
    }
    return Headers{{"authorization", "Basic " + out}};
  };
  for (const std::string user : {"sns", "", "a", "ab"}) {
    Authenticator::Decision d = Check(basic(user + ":" + kReadKey));
    EXPECT_EQ(d.verdict, Verdict::kOk) << user;
    ASSERT_TRUE(d.principal.has_value());
    EXPECT_EQ(d.principal->name, "analyst");
  }
  // The user name is not the key.
  EXPECT_EQ(Check(basic(std::string(kReadKey) + ":x")).verdict, Verdict::kInvalid);
  Authenticator::Decision d = Check({{"authorization", "Basic !!!!"}});
  EXPECT_EQ(d.verdict, Verdict::kInvalid);
  EXPECT_THAT(d.reason, HasSubstr("not base64 of user:key"));
  EXPECT_EQ(Check(basic("no-colon")).verdict, Verdict::kInvalid);
  // Basic and ApiKey together must agree, like any two places.
  Headers both = basic(std::string("sns:") + kReadKey);
  both.emplace_back("x-vigil-key", kReadKey);
  EXPECT_EQ(Check(both).verdict, Verdict::kOk);
}

TEST_F(AuthenticatorTest, UnknownKeyIsInvalidAndNotEchoed) {
  Authenticator::Decision d = Check(Bearer("vgl_not-a-key"));
  EXPECT_EQ(d.verdict, Verdict::kInvalid);
  EXPECT_EQ(d.principal, std::nullopt);
  EXPECT_EQ(d.reason, "unable to authenticate with the provided API key");
  // The hash is not a key: presenting a stored hash does not authenticate.
  EXPECT_EQ(Check(Bearer(Sha256Hex(kReadKey))).verdict, Verdict::kInvalid);
  // Keys are case-sensitive.
  EXPECT_EQ(Check(Bearer("VGL_READ-SECRET")).verdict, Verdict::kInvalid);
}

TEST_F(AuthenticatorTest, KeysInTwoPlacesMustAgree) {
  EXPECT_EQ(Check({{"authorization", std::string("ApiKey ") + kReadKey}, {"x-vigil-key", kReadKey}})
                .verdict,
            Verdict::kOk);
  Authenticator::Decision d =
      Check({{"authorization", std::string("ApiKey ") + kReadKey}, {"x-vigil-key", kAdminKey}},
            Access::kAdmin);
  EXPECT_EQ(d.verdict, Verdict::kInvalid);
  EXPECT_EQ(d.reason, "conflicting API keys in [authorization] and [x-vigil-key]");
}

TEST_F(AuthenticatorTest, TenInvalidKeysThrottleTheAddressUntilTheWindowPasses) {
  Fail(10);
  // Refused before the key is looked at: a valid key is throttled too.
  Authenticator::Decision d = Check(Bearer(kAdminKey), Access::kRead);
  EXPECT_EQ(d.verdict, Verdict::kThrottled);
  EXPECT_EQ(d.retry_after_seconds, 60);
  EXPECT_EQ(d.reason, "too many failed authentication attempts from [10.0.0.1]; retry in 60 s");
  EXPECT_EQ(Check({}).verdict, Verdict::kThrottled);
  // Other addresses are unaffected.
  EXPECT_EQ(Check(Bearer(kReadKey), Access::kRead, "10.0.0.2").verdict, Verdict::kOk);
  EXPECT_EQ(Check(Bearer("vgl_wrong"), Access::kRead, "10.0.0.2").verdict, Verdict::kInvalid);
  // Open endpoints stay open.
  EXPECT_EQ(Check({}, Access::kOpen).verdict, Verdict::kOk);

  now_ += Authenticator::kWindowMillis - 1;
  d = Check(Bearer(kReadKey));
  EXPECT_EQ(d.verdict, Verdict::kThrottled);
  EXPECT_EQ(d.retry_after_seconds, 1);
  now_ += 1;
  EXPECT_EQ(Check(Bearer(kReadKey)).verdict, Verdict::kOk);
}

TEST_F(AuthenticatorTest, NineInvalidKeysDoNotThrottle) {
  Fail(9);
  EXPECT_EQ(Check(Bearer(kReadKey)).verdict, Verdict::kOk);
  Fail(1);
  EXPECT_EQ(Check(Bearer(kReadKey)).verdict, Verdict::kThrottled);
}

TEST_F(AuthenticatorTest, TheWindowSlides) {
  for (int i = 0; i < 10; ++i) {  // one failure a second, at t = 0..9 s
    Fail(1);
    now_ += 1000;
  }
  // t = 10 s: throttled until the first failure (t = 0) is 60 s old.
  EXPECT_EQ(Check(Bearer(kReadKey)).retry_after_seconds, 50);
  now_ += 50'000;  // t = 60 s: one failure has left the window
  Fail(1);
  // Ten failures again within 60 s (t = 1..9 s and 60 s): throttled until t = 61 s.
  EXPECT_EQ(Check(Bearer(kReadKey)).verdict, Verdict::kThrottled);
  now_ += 999;
  EXPECT_EQ(Check(Bearer(kReadKey)).verdict, Verdict::kThrottled);
  now_ += 1;
  EXPECT_EQ(Check(Bearer(kReadKey)).verdict, Verdict::kOk);
}

TEST_F(AuthenticatorTest, FailuresOlderThanTheWindowAreForgotten) {
  Fail(9);
  now_ += Authenticator::kWindowMillis;
  Fail(9);
  EXPECT_EQ(Check(Bearer(kReadKey)).verdict, Verdict::kOk);
}

TEST_F(AuthenticatorTest, MissingAndForbiddenDoNotCountAndSuccessDoesNotForgive) {
  for (int i = 0; i < 20; ++i) {
    ASSERT_EQ(Check({}).verdict, Verdict::kMissing);
    ASSERT_EQ(Check(Bearer(kIngestKey), Access::kAdmin).verdict, Verdict::kForbidden);
  }
  Fail(9);
  EXPECT_EQ(Check(Bearer(kReadKey)).verdict, Verdict::kOk);
  Fail(1);  // the tenth, after a success
  EXPECT_EQ(Check(Bearer(kReadKey)).verdict, Verdict::kThrottled);
}

TEST_F(AuthenticatorTest, IPv6ClientsAreCountedPerSlash64) {
  for (int i = 0; i < 10; ++i) Fail(1, "2001:db8:0:7::" + std::to_string(i + 1));
  EXPECT_EQ(Check(Bearer(kReadKey), Access::kRead, "2001:db8:0:7:ffff::1").verdict,
            Verdict::kThrottled);
  EXPECT_EQ(Check(Bearer(kReadKey), Access::kRead, "2001:db8:0:8::1").verdict, Verdict::kOk);
}

TEST_F(AuthenticatorTest, IPv4MappedAddressesCountAsTheIPv4Address) {
  Fail(5, "::ffff:10.0.0.9");
  Fail(5, "10.0.0.9");
  EXPECT_EQ(Check(Bearer(kReadKey), Access::kRead, "10.0.0.9").verdict, Verdict::kThrottled);
  // IPv4 clients are not grouped: a neighbour is unaffected.
  EXPECT_EQ(Check(Bearer(kReadKey), Access::kRead, "10.0.0.10").verdict, Verdict::kOk);
}

TEST_F(AuthenticatorTest, MemoryIsBoundedByForgettingTheLeastRecentlyFailed) {
  Fail(10, "198.51.100.1");
  ASSERT_EQ(Check({}, Access::kRead, "198.51.100.1").verdict, Verdict::kThrottled);
  // As many other addresses fail once each: the throttled one is the oldest and is dropped.
  for (size_t i = 0; i < Authenticator::kMaxTrackedAddresses; ++i) {
    Fail(1, "100." + std::to_string(i >> 16) + "." + std::to_string((i >> 8) & 255) + "." +
                std::to_string(i & 255));
  }
  EXPECT_EQ(Check(Bearer(kReadKey), Access::kRead, "198.51.100.1").verdict, Verdict::kOk);
}

TEST_F(AuthenticatorTest, ConcurrentChecksAgree) {
  std::vector<std::thread> threads;
  std::atomic<int> wrong{0};
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([this, t, &wrong] {
      const std::string remote = "10.1.0." + std::to_string(t);
      for (int i = 0; i < 500; ++i) {
        if (auth_.Check(Bearer(kReadKey), remote, Access::kRead).verdict != Verdict::kOk) ++wrong;
        if (auth_.Check(Bearer("vgl_x"), "10.2.0.1", Access::kRead).verdict == Verdict::kOk) {
          ++wrong;
        }
      }
    });
  }
  for (std::thread& th : threads) th.join();
  EXPECT_EQ(wrong.load(), 0);
  EXPECT_EQ(Check({}, Access::kRead, "10.2.0.1").verdict, Verdict::kThrottled);
}

}  // namespace
}  // namespace vigil::http
