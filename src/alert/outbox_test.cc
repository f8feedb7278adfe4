#include "alert/outbox.h"

#include <gtest/gtest.h>

#include "env/fault_injection_env.h"
#include "testing/test_util.h"

namespace vigil::alert {
namespace {

using vigil::testing::TempDir;

Notification N(const std::string& id, const std::string& channel = "hook") {
  return Notification{id, "alert-" + id, channel, 1000, R"({"rule":"r","findings":["f"]})"};
}

std::vector<std::string> Ids(const std::vector<Notification>& ns) {
  std::vector<std::string> ids;
  for (const Notification& n : ns) ids.push_back(n.id);
  return ids;
}

TEST(Outbox, PendingUntilSettledAcrossReopens) {
  TempDir dir;
  auto env = NewPosixEnv();
  {
    auto outbox = Outbox::Open(env.get(), dir.path());
    ASSERT_TRUE(outbox.ok()) << outbox.status().ToString();
    std::vector<Notification> batch = {N("a"), N("b"), N("c", "mail")};
    ASSERT_TRUE((*outbox)->Add(batch).ok());
    ASSERT_TRUE((*outbox)->Settle("b", Settlement::kDelivered).ok());
    ASSERT_TRUE((*outbox)->Settle("nope", Settlement::kDelivered).ok());  // unknown: fine
    EXPECT_EQ(Ids((*outbox)->Pending()), (std::vector<std::string>{"a", "c"}));
  }
  auto outbox = Outbox::Open(env.get(), dir.path());
  ASSERT_TRUE(outbox.ok());
  std::vector<Notification> pending = (*outbox)->Pending();
  ASSERT_EQ(Ids(pending), (std::vector<std::string>{"a", "c"}));
  EXPECT_EQ(pending[1].channel, "mail");
  EXPECT_EQ(pending[1].alert_id, "alert-c");
  EXPECT_EQ(pending[1].created_at, 1000);
  EXPECT_EQ(pending[1].alert, R"({"rule":"r","findings":["f"]})");
  // Settled after the reopen, in the new file: still settled after another.
  ASSERT_TRUE((*outbox)->Settle("a", Settlement::kDropped).ok());
  outbox->reset();
  outbox = Outbox::Open(env.get(), dir.path());
  ASSERT_TRUE(outbox.ok());
  EXPECT_EQ(Ids((*outbox)->Pending()), (std::vector<std::string>{"c"}));
}

TEST(Outbox, SettledFilesAreRemovedOldestFirst) {
  TempDir dir;
  auto env = NewPosixEnv();
  OutboxOptions options;
  options.file_bytes = 200;  // a file or two per notification
  auto outbox = Outbox::Open(env.get(), dir.path(), options);
  ASSERT_TRUE(outbox.ok());
  for (int i = 0; i < 10; ++i) {
    std::vector<Notification> one = {N("n" + std::to_string(i))};
    ASSERT_TRUE((*outbox)->Add(one).ok());
  }
  EXPECT_GE((*outbox)->files(), 5u);
  // Settling all but the first keeps every file: the first holds an unsettled notification.
  for (int i = 1; i < 10; ++i) {
    ASSERT_TRUE((*outbox)->Settle("n" + std::to_string(i), Settlement::kDelivered).ok());
  }
  EXPECT_GE((*outbox)->files(), 5u);
  ASSERT_TRUE((*outbox)->Settle("n0", Settlement::kDelivered).ok());
  EXPECT_EQ((*outbox)->files(), 1u);
  EXPECT_EQ((*outbox)->pending(), 0u);
  outbox->reset();
  outbox = Outbox::Open(env.get(), dir.path(), options);
  ASSERT_TRUE(outbox.ok());
  EXPECT_EQ((*outbox)->pending(), 0u);
  EXPECT_LE((*outbox)->files(), 2u);
}

TEST(Outbox, TornTailIsIgnored) {
  TempDir dir;
  auto env = NewPosixEnv();
  {
    auto outbox = Outbox::Open(env.get(), dir.path());
    ASSERT_TRUE(outbox.ok());
    std::vector<Notification> batch = {N("a")};
    ASSERT_TRUE((*outbox)->Add(batch).ok());
  }
  const std::string path = dir.Join("outbox-000001.log");
  std::string contents = vigil::testing::ReadFileOrDie(path);
  vigil::testing::WriteFileOrDie(path, contents + std::string("\x20\x00\x00", 3));
  std::vector<std::string> log;
  OutboxOptions options;
  options.log = [&log](std::string_view line) { log.emplace_back(line); };
  auto outbox = Outbox::Open(env.get(), dir.path(), options);
  ASSERT_TRUE(outbox.ok());
  EXPECT_EQ(Ids((*outbox)->Pending()), (std::vector<std::string>{"a"}));
  ASSERT_EQ(log.size(), 1u);
  EXPECT_NE(log[0].find("torn"), std::string::npos) << log[0];
}

// A crash at any step of an Add or a Settle: what returned OK is there afterwards, and what did
// not is either there or not, never damaged.
TEST(Outbox, CrashAtEveryStep) {
  for (int64_t fail_after = 0; fail_after < 6; ++fail_after) {
    TempDir dir;
    auto base = NewPosixEnv();
    FaultInjectionEnv env(base.get());
    Status added, settled;
    {
      auto outbox = Outbox::Open(&env, dir.path());
      ASSERT_TRUE(outbox.ok());
      std::vector<Notification> first = {N("a")};
      ASSERT_TRUE((*outbox)->Add(first).ok());
      env.FailAfter(env.mutating_calls() + fail_after);
      std::vector<Notification> second = {N("b"), N("c")};
      added = (*outbox)->Add(second);
      settled = (*outbox)->Settle("a", Settlement::kDelivered);
    }
    ASSERT_TRUE(env.SimulateCrash().ok());
    env.FailAfter(-1);
    auto outbox = Outbox::Open(&env, dir.path());
    ASSERT_TRUE(outbox.ok()) << outbox.status().ToString();
    std::vector<std::string> ids = Ids((*outbox)->Pending());
    auto has = [&ids](const std::string& id) {
      return std::find(ids.begin(), ids.end(), id) != ids.end();
    };
    if (added.ok()) {
      EXPECT_TRUE(has("b") && has("c")) << "fail_after " << fail_after;
    } else {
      EXPECT_EQ(has("b"), has("c")) << "fail_after " << fail_after;
    }
    if (settled.ok()) {
      EXPECT_FALSE(has("a")) << "fail_after " << fail_after;
    } else {
      EXPECT_TRUE(has("a")) << "fail_after " << fail_after;
    }
  }
}

}  // namespace
}  // namespace vigil::alert
