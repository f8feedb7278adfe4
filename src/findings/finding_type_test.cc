#include "findings/finding_type.h"

#include <gtest/gtest.h>

#include <set>
#include <string>

namespace vigil::findings {
namespace {

TEST(FindingTypeTest, AllFiveParts) {
  auto t = ParseFindingType("Trojan:EC2/DGADomainRequest.C!DNS");
  ASSERT_TRUE(t.has_value());
  EXPECT_EQ(t->threat_purpose, "Trojan");
  EXPECT_EQ(t->resource_type_affected, "EC2");
  EXPECT_EQ(t->threat_family_name, "DGADomainRequest");
  EXPECT_EQ(t->detection_mechanism, "C");
  EXPECT_EQ(t->artifact, "DNS");
}

TEST(FindingTypeTest, FamilyWithAmpersand) {
  auto t = ParseFindingType("Backdoor:EC2/C&CActivity.B!DNS");
  ASSERT_TRUE(t.has_value());
  EXPECT_EQ(t->threat_family_name, "C&CActivity");
  EXPECT_EQ(t->detection_mechanism, "B");
  EXPECT_EQ(t->artifact, "DNS");
}

TEST(FindingTypeTest, MechanismAndArtifactOptional) {
  auto t = ParseFindingType("UnauthorizedAccess:EC2/SSHBruteForce");
  ASSERT_TRUE(t.has_value());
  EXPECT_EQ(t->threat_family_name, "SSHBruteForce");
  EXPECT_TRUE(t->detection_mechanism.empty());
  EXPECT_TRUE(t->artifact.empty());
  t = ParseFindingType("Execution:EC2/MaliciousFile!Snapshot");
  ASSERT_TRUE(t.has_value());
  EXPECT_EQ(t->threat_family_name, "MaliciousFile");
  EXPECT_TRUE(t->detection_mechanism.empty());
  EXPECT_EQ(t->artifact, "Snapshot");
}

TEST(FindingTypeTest, RejectsWhatIsNotAType) {
  EXPECT_FALSE(ParseFindingType("").has_value());
  EXPECT_FALSE(ParseFindingType("NoColon/Family").has_value());
  EXPECT_FALSE(ParseFindingType(":EC2/Family").has_value());
  EXPECT_FALSE(ParseFindingType("Purpose:EC2").has_value());
  EXPECT_FALSE(ParseFindingType("Purpose:/Family").has_value());
  EXPECT_FALSE(ParseFindingType("Purpose:EC2/").has_value());
}

TEST(FindingTypeTest, EveryActiveTypeParses) {
  std::span<const std::string_view> types = ActiveFindingTypes();
  EXPECT_EQ(types.size(), 199u);  // data/guardduty/finding-types.txt
  std::set<std::string_view> purposes;
  for (std::string_view type : types) {
    auto t = ParseFindingType(type);
    ASSERT_TRUE(t.has_value()) << type;
    purposes.insert(t->threat_purpose);
  }
  EXPECT_TRUE(purposes.count("AttackSequence"));
  EXPECT_TRUE(purposes.count("Backdoor"));
}

}  // namespace
}  // namespace vigil::findings
