#include "aws/sigv4.h"

#include <gtest/gtest.h>

namespace vigil::aws {
namespace {

// AWS's Signature Version 4 test suite, "get-vanilla".
TEST(SigV4, AwsTestSuiteGetVanilla) {
  SignableRequest r;
  r.method = "GET";
  r.host = "example.amazonaws.com";
  Credentials c{"AKIDEXAMPLE", "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY", ""};
  auto headers = SignV4(r, "us-east-1", "service", c, "20150830T123600Z");
  ASSERT_EQ(headers.size(), 2u);
  EXPECT_EQ(headers[0].first, "X-Amz-Date");
  EXPECT_EQ(headers[0].second, "20150830T123600Z");
  EXPECT_EQ(headers[1].first, "Authorization");
  EXPECT_EQ(headers[1].second,
            "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20150830/us-east-1/service/aws4_request, "
            "SignedHeaders=host;x-amz-date, "
            "Signature=5fa00fa31553b73ebf1942676e86291e8372ff2a2260956d9b8aae1d763fbf31");
}

TEST(SigV4, SessionTokenIsSignedAndQuerySorted) {
  SignableRequest r;
  r.host = "sns.eu-west-1.amazonaws.com";
  r.query = "b=2&a=1";
  r.headers = {{"Content-Type", "  application/x-www-form-urlencoded;   charset=utf-8 "}};
  r.body = "Action=Publish";
  Credentials c{"AKID", "secret", "token"};
  auto headers = SignV4(r, "eu-west-1", "sns", c, "20261203T120000Z");
  ASSERT_EQ(headers.size(), 3u);
  EXPECT_EQ(headers[1].first, "X-Amz-Security-Token");
  EXPECT_NE(headers[2].second.find("SignedHeaders=content-type;host;x-amz-date;"
                                   "x-amz-security-token, Signature="),
            std::string::npos)
      << headers[2].second;
  // The order of the query's parameters and the spacing of values do not change the signature.
  SignableRequest same = r;
  same.query = "a=1&b=2";
  same.headers = {{"content-type", "application/x-www-form-urlencoded; charset=utf-8"}};
  EXPECT_EQ(SignV4(same, "eu-west-1", "sns", c, "20261203T120000Z")[2].second, headers[2].second);
  same.body = "Action=Publish2";
  EXPECT_NE(SignV4(same, "eu-west-1", "sns", c, "20261203T120000Z")[2].second, headers[2].second);
}

TEST(SigV4, AmzDate) {
  EXPECT_EQ(AmzDate(1440938160000), "20150830T123600Z");
  EXPECT_EQ(Sha256Hex(""), "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
}

}  // namespace
}  // namespace vigil::aws
