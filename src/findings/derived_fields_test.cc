// Derived fields checked by hand against the samples (values read off the JSON files in
// data/guardduty/samples, not produced by Vigil).
#include "findings/derived_fields.h"

#include <gtest/gtest.h>

#include "findings/reader_test_util.h"

namespace vigil::findings {
namespace {

using testing::ParsedDoc;
using testing::ReadSample;

ParsedDoc Only(const std::string& sample) {
  testing::Collected c = ReadSample(sample);
  EXPECT_TRUE(c.issues.empty()) << (c.issues.empty() ? "" : c.issues[0].ToString());
  EXPECT_EQ(c.documents.size(), 1u);
  return ParsedDoc(c.documents.empty() ? "{}" : c.documents[0]);
}

TEST(SeverityLabelTest, BoundsAreComparedAsNumbers) {
  EXPECT_EQ(SeverityLabel(0), "Low");
  EXPECT_EQ(SeverityLabel(1.0), "Low");
  EXPECT_EQ(SeverityLabel(3.9), "Low");
  EXPECT_EQ(SeverityLabel(3.95), "Low");
  EXPECT_EQ(SeverityLabel(4.0), "Medium");
  EXPECT_EQ(SeverityLabel(6.9), "Medium");
  EXPECT_EQ(SeverityLabel(7.0), "High");
  EXPECT_EQ(SeverityLabel(8.9), "High");
  EXPECT_EQ(SeverityLabel(8.95), "High");
  EXPECT_EQ(SeverityLabel(9.0), "Critical");
  EXPECT_EQ(SeverityLabel(10.0), "Critical");
}

// NETWORK_CONNECTION, INBOUND, real geo (OVH in Roubaix), not a sample.
TEST(DerivedFieldsTest, InboundSshBruteForceHasTheAttacker) {
  ParsedDoc d = Only("panther__03__UnauthorizedAccess-EC2-SSHBruteForce.json");
  EXPECT_EQ(d.Get("derived.severityLabel"), R"("Low")");
  EXPECT_EQ(d.Get("derived.threatPurpose"), R"("UnauthorizedAccess")");
  EXPECT_EQ(d.Get("derived.resourceTypeAffected"), R"("EC2")");
  EXPECT_EQ(d.Get("derived.threatFamilyName"), R"("SSHBruteForce")");
  EXPECT_FALSE(d.Has("derived.detectionMechanism"));
  EXPECT_FALSE(d.Has("derived.artifact"));
  EXPECT_EQ(d.Get("derived.actionType"), R"("NETWORK_CONNECTION")");
  EXPECT_EQ(d.Get("derived.direction"), R"("inbound")");
  EXPECT_EQ(d.Get("derived.sample"), "false");
  EXPECT_EQ(d.Get("derived.attacker.ip"), R"("151.80.19.228")");
  EXPECT_EQ(d.Get("derived.attacker.countryName"), R"("France")");
  EXPECT_EQ(d.Get("derived.attacker.countryCode"), R"("FR")");
  EXPECT_EQ(d.Get("derived.attacker.city"), R"("Roubaix")");
  EXPECT_EQ(d.Get("derived.attacker.location"), R"({"lat":50.6974,"lon":3.178})");
  EXPECT_EQ(d.Get("derived.attacker.asn"), R"("16276")");
  EXPECT_EQ(d.Get("derived.attacker.asnOrg"), R"("OVH SAS")");
  EXPECT_EQ(d.Get("derived.attacker.org"), R"("OVH SAS")");
  EXPECT_EQ(d.Get("derived.attacker.isp"), R"("OVH SAS")");
  EXPECT_EQ(d.Get("derived.remote.ip"), R"("151.80.19.228")");
  EXPECT_FALSE(d.Has("derived.destination.ip"));
  EXPECT_EQ(d.Get("derived.ingestedAt"), R"("2023-11-14T22:13:20.000Z")");
}

// PORT_PROBE with two probers: every prober reaches the derived fields, not only the first.
TEST(DerivedFieldsTest, MultiProberPortProbeListsEveryProber) {
  ParsedDoc d = Only("security_monkey-fork__01__Recon-EC2-PortProbeUnprotectedPort.json");
  EXPECT_EQ(d.Get("derived.actionType"), R"("PORT_PROBE")");
  EXPECT_EQ(d.Get("derived.direction"), R"("inbound")");
  EXPECT_EQ(d.Get("derived.attacker.ip"), R"(["221.132.75.236","71.6.167.142"])");
  EXPECT_EQ(d.Get("derived.attacker.countryName"), R"(["South Korea","United States"])");
  EXPECT_EQ(d.Get("derived.attacker.countryCode"), R"(["KR","US"])");
  EXPECT_EQ(d.Get("derived.attacker.city"), R"(["Seoul","San Diego"])");
  // The ASNs are numbers in this 2018 event; the derived field is a keyword either way.
  EXPECT_EQ(d.Get("derived.attacker.asn"), R"(["17877","10439"])");
  EXPECT_EQ(d.Get("derived.attacker.org"), R"(["NexG Co.","CariNet"])");
  EXPECT_EQ(d.Get("derived.attacker.location"),
            R"([{"lat":37.5111,"lon":126.9743},{"lat":32.8073,"lon":-117.1324}])");
  EXPECT_EQ(d.Get("derived.severityLabel"), R"("Low")");
  // The array-collapsed original field holds both countries too.
  EXPECT_EQ(d.Get("service.action.portProbeAction.portProbeDetails.remoteIpDetails.country."
                  "countryName"),
            R"(["South Korea","United States"])");
}

// NETWORK_CONNECTION OUTBOUND: the remote party is where the instance connected to.
TEST(DerivedFieldsTest, OutboundConnectionGoesToDestinationNotAttacker) {
  ParsedDoc d = Only("foxsec__11__Trojan-EC2-DropPoint.json");
  EXPECT_EQ(d.Get("derived.direction"), R"("outbound")");
  EXPECT_EQ(d.Get("derived.destination.ip"), R"("198.51.100.0")");
  EXPECT_EQ(d.Get("derived.destination.countryName"), R"("United States")");
  EXPECT_EQ(d.Get("derived.destination.countryCode"), R"("US")");
  EXPECT_EQ(d.Get("derived.remote.ip"), R"("198.51.100.0")");
  EXPECT_FALSE(d.Has("derived.attacker.ip"));
  EXPECT_FALSE(d.Has("derived.attacker.countryName"));
  EXPECT_EQ(d.Get("derived.sample"), "true");
}

TEST(DerivedFieldsTest, OutboundDenialOfServiceByAnActor) {
  ParsedDoc d = Only("foxsec__19__Backdoor-EC2-DenialOfService-Tcp.json");
  EXPECT_EQ(d.Get("derived.severityLabel"), R"("High")");
  EXPECT_EQ(d.Get("derived.threatFamilyName"), R"("DenialOfService")");
  EXPECT_EQ(d.Get("derived.detectionMechanism"), R"("Tcp")");
  EXPECT_EQ(d.Get("derived.direction"), R"("outbound")");
  EXPECT_TRUE(d.Has("derived.destination.ip"));
  EXPECT_FALSE(d.Has("derived.attacker.ip"));
}

// Attack sequence: severity 9 is Critical; no action, no remote party.
TEST(DerivedFieldsTest, AttackSequenceIsCritical) {
  ParsedDoc d = Only("panther-analysis__01__AttackSequence-IAM-CompromisedCredentials.json");
  EXPECT_EQ(d.Get("derived.severityLabel"), R"("Critical")");
  EXPECT_EQ(d.Get("derived.threatPurpose"), R"("AttackSequence")");
  EXPECT_EQ(d.Get("derived.resourceTypeAffected"), R"("IAM")");
  EXPECT_EQ(d.Get("derived.threatFamilyName"), R"("CompromisedCredentials")");
  EXPECT_FALSE(d.Has("derived.actionType"));
  EXPECT_EQ(d.Get("derived.direction"), R"("unknown")");
  EXPECT_FALSE(d.Has("derived.remote.ip"));
  EXPECT_FALSE(d.Has("derived.attacker.ip"));
}

// The C&CActivity family, a DNS_REQUEST, and a sample finding.
TEST(DerivedFieldsTest, CommandAndControlDnsSample) {
  ParsedDoc d = Only("cloud-custodian__01__Backdoor-EC2-C-CActivity-B-DNS.json");
  EXPECT_EQ(d.Get("derived.threatPurpose"), R"("Backdoor")");
  EXPECT_EQ(d.Get("derived.threatFamilyName"), R"("C&CActivity")");
  EXPECT_EQ(d.Get("derived.detectionMechanism"), R"("B")");
  EXPECT_EQ(d.Get("derived.artifact"), R"("DNS")");
  EXPECT_EQ(d.Get("derived.actionType"), R"("DNS_REQUEST")");
  EXPECT_EQ(d.Get("derived.direction"), R"("outbound")");
  EXPECT_EQ(d.Get("derived.sample"), "true");
  EXPECT_EQ(d.Get("derived.severityLabel"), R"("Medium")");
  EXPECT_FALSE(d.Has("derived.remote.ip"));
}

TEST(DerivedFieldsTest, AwsApiCallFromARemoteIp) {
  ParsedDoc d = Only("cloud-custodian__02__UnauthorizedAccess-IAMUser-TorIPCaller.json");
  EXPECT_EQ(d.Get("derived.actionType"), R"("AWS_API_CALL")");
  EXPECT_EQ(d.Get("derived.direction"), R"("inbound")");
  EXPECT_EQ(d.Get("derived.attacker.ip"), R"("198.51.100.0")");
  EXPECT_EQ(d.Get("derived.attacker.countryName"), R"("United States")");
  EXPECT_EQ(d.Get("derived.attacker.countryCode"), R"("US")");
  EXPECT_EQ(d.Get("derived.attacker.asn"), R"("-1")");
  EXPECT_EQ(d.Get("derived.resourceTypeAffected"), R"("IAMUser")");
}

// AWS_API_CALL without remoteIpDetails: no remote party is invented.
TEST(DerivedFieldsTest, AwsApiCallWithoutRemoteIpHasNoRemoteParty) {
  ParsedDoc d =
      Only("panther-analysis__03__PrivilegeEscalation-IAMUser-AdministrativePermissions.json");
  EXPECT_EQ(d.Get("derived.actionType"), R"("AWS_API_CALL")");
  EXPECT_EQ(d.Get("derived.severityLabel"), R"("High")");
  EXPECT_FALSE(d.Has("derived.remote.ip"));
  EXPECT_FALSE(d.Has("derived.attacker.ip"));
}

TEST(DerivedFieldsTest, KubernetesApiCallPlaceholderCountryHasNoCode) {
  ParsedDoc d = Only("elastic__02__Persistence-Kubernetes-SuccessfulAnonymousAccess.json");
  EXPECT_EQ(d.Get("derived.actionType"), R"("KUBERNETES_API_CALL")");
  EXPECT_EQ(d.Get("derived.direction"), R"("inbound")");
  EXPECT_EQ(d.Get("derived.attacker.ip"), R"("175.16.199.1")");
  EXPECT_EQ(d.Get("derived.attacker.countryName"), R"("GeneratedFindingCountryName")");
  EXPECT_FALSE(d.Has("derived.attacker.countryCode"));
  EXPECT_EQ(d.Get("derived.severityLabel"), R"("High")");
  EXPECT_EQ(d.Get("derived.sample"), "true");
}

TEST(DerivedFieldsTest, RdsLoginAttempt) {
  ParsedDoc d = Only("elastic__04__CredentialAccess-RDS-AnomalousBehavior-SuccessfulLogin.json");
  EXPECT_EQ(d.Get("derived.actionType"), R"("RDS_LOGIN_ATTEMPT")");
  EXPECT_EQ(d.Get("derived.direction"), R"("inbound")");
  EXPECT_EQ(d.Get("derived.attacker.ip"), R"("175.16.199.1")");
  EXPECT_EQ(d.Get("derived.threatFamilyName"), R"("AnomalousBehavior")");
  EXPECT_EQ(d.Get("derived.detectionMechanism"), R"("SuccessfulLogin")");
}

// Malware Protection: no action at all.
TEST(DerivedFieldsTest, MalwareScanFindingHasNoAction) {
  ParsedDoc d = Only("sekoia__03__Execution-Container-SuspiciousFile.json");
  EXPECT_EQ(d.Get("derived.severityLabel"), R"("Medium")");
  EXPECT_EQ(d.Get("derived.resourceTypeAffected"), R"("Container")");
  EXPECT_FALSE(d.Has("derived.actionType"));
  EXPECT_EQ(d.Get("derived.direction"), R"("unknown")");
}

// Two placeholder probers (GeneratedFindingCountryName1/2): both reach the remote fields.
TEST(DerivedFieldsTest, SamplePortProbeWithTwoProbers) {
  ParsedDoc d = Only("sekoia__08__Recon-EC2-PortProbeUnprotectedPort.json");
  EXPECT_EQ(d.Get("derived.attacker.ip"), R"(["198.51.100.0","198.51.100.1"])");
  EXPECT_EQ(d.Get("derived.attacker.asn"), R"(["9808","29073"])");
}

}  // namespace
}  // namespace vigil::findings
