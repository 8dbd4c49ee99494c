// host.cpp: the panels' requests, passed on to the platform layer (see host.h for why).
#include "modes/host.h"
#include <algorithm>
#include "platform/platform.h"

namespace attn::host {

double now_ms() { return platform::now_ms(); }
std::string save_file(const std::string& name, const std::string& bytes, const char* mime) {
  return platform::save_file(name, bytes, mime);
}
void copy_text(const std::string& text) { platform::copy_text(text); }
void pick_file() { platform::pick_file(); }
void pick_model_files() { platform::pick_model_files(); }
bool is_web() { return platform::is_web(); }
std::string page_url() { return platform::page_url(); }
void open_url(const std::string& url) { platform::open_url(url); }
std::string load_setting(const std::string& key) { return platform::load_setting(key); }
void save_setting(const std::string& key, const std::string& value) { platform::save_setting(key, value); }
void fetch_model(const std::string& name) { platform::fetch_model(name); }
void cancel_fetch() { platform::cancel_fetch(); }
bool escape_pressed() {
  const std::vector<int>& keys = platform::keys_pressed();
  return std::find(keys.begin(), keys.end(), int(platform::kKeyEscape)) != keys.end();
}

}  // namespace attn::host
