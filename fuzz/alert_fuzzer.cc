// The alert module's parsers on arbitrary bytes, by the first byte % 6:
//   0 a channel, 1 a rule: whatever is accepted is written back and read again to the same
//     definition;
//   2 a notification template: it renders, and never grows past twice its size;
//   3 an outbox file (recovery reads it, and lists what it counts as pending);
//   4 an alert (the JSON a notification carries), rendered for every type of channel: a webhook
//     body is JSON;
//   5 a definitions file (DATA/alerts/definitions.json): read or refused, never a crash.
// fuzz/corpus/alert holds an example of each to start from. Files go to a temporary directory,
// removed when the fuzzer exits.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <filesystem>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>

#include "alert/alert_store.h"
#include "alert/definitions.h"
#include "alert/delivery.h"
#include "alert/notification.h"
#include "alert/outbox.h"

namespace {

vigil::Env* TheEnv() {
  static vigil::Env* env = vigil::NewPosixEnv().release();
  return env;
}

const std::string& Dir() {
  static char dir[] = "/tmp/vigil-alert-fuzz-XXXXXX";
  static const std::string made = [] {
    if (mkdtemp(dir) == nullptr) std::abort();
    std::atexit([] { std::filesystem::remove_all(dir); });
    return std::string(dir);
  }();
  return made;
}

void WriteFile(const std::string& path, std::string_view bytes) {
  auto file = TheEnv()->NewWritableFile(path);
  if (!file.ok() || !(*file)->Append(bytes).ok() || !(*file)->Close().ok()) std::abort();
}

void Outbox(std::string_view bytes) {
  const std::string dir = Dir() + "/outbox";
  std::filesystem::remove_all(dir);
  std::filesystem::create_directories(dir);
  WriteFile(dir + "/outbox-000001.log", bytes);
  auto outbox = vigil::alert::Outbox::Open(TheEnv(), dir);
  if (!outbox.ok()) return;
  if ((*outbox)->Pending().size() != (*outbox)->pending()) __builtin_trap();
}

void Render(std::string_view bytes) {
  vigil::alert::Notification n{"n1", "a1", "c", 0, std::string(bytes)};
  for (const char* text :
       {R"({"name":"c","type":"webhook","url":"http://127.0.0.1/","secret":"s"})",
        R"({"name":"c","type":"slack","url":"http://127.0.0.1/"})",
        R"({"name":"c","type":"teams","url":"http://127.0.0.1/"})",
        R"({"name":"c","type":"email","smtp_url":"smtp://127.0.0.1","from":"a@b","to":["c@d"]})",
        R"({"name":"c","type":"sns","topic_arn":"arn:aws:sns:eu-west-1:123456789012:t",
            "access_key_id":"AK","secret_access_key":"S"})"}) {
    vigil::Result<vigil::alert::Channel> c = vigil::alert::ParseChannel(text);
    if (!c.ok()) std::abort();
    vigil::Result<vigil::alert::OutgoingRequest> r =
        vigil::alert::RenderNotification(*c, n, 1'700'000'000'000);
    if (!r.ok()) continue;
    if (c->type == vigil::alert::ChannelType::kWebhook && !nlohmann::json::accept(r->body)) {
      __builtin_trap();
    }
  }
}

void Definitions(std::string_view bytes) {
  const std::string path = Dir() + "/definitions.json";
  WriteFile(path, bytes);
  (void)vigil::alert::AlertStore::Open(TheEnv(), path, {});
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size == 0) return 0;
  std::string_view text(reinterpret_cast<const char*>(data) + 1, size - 1);
  switch (data[0] % 6) {
    case 3:
      Outbox(text);
      return 0;
    case 4:
      Render(text);
      return 0;
    case 5:
      Definitions(text);
      return 0;
    default:
      break;
  }
  if (data[0] % 3 == 2) {
    const std::string out = vigil::alert::RenderTemplate(
        text, [](std::string_view) { return std::optional<std::string>("v"); });
    if (out.size() > text.size() * 2 + 1) __builtin_trap();  // "v" never outgrows "{{x}}"
    return 0;
  }
  if (data[0] % 3 == 0) {
    vigil::Result<vigil::alert::Channel> c = vigil::alert::ParseChannel(text);
    if (!c.ok()) return 0;
    const std::string once = vigil::alert::ChannelToJson(*c, false);
    vigil::Result<vigil::alert::Channel> again = vigil::alert::ParseChannel(once);
    if (!again.ok() || vigil::alert::ChannelToJson(*again, false) != once) __builtin_trap();
  } else {
    vigil::Result<vigil::alert::Rule> r = vigil::alert::ParseRule(text);
    if (!r.ok()) return 0;
    const std::string once = vigil::alert::RuleToJson(*r);
    vigil::Result<vigil::alert::Rule> again = vigil::alert::ParseRule(once);
    if (!again.ok() || vigil::alert::RuleToJson(*again) != once) __builtin_trap();
  }
  return 0;
}
