// host.h: what the modes and the panels may ask of the machine they run on (time, files,
// clipboard, links, a model's download). Neither includes the platform layer: these forward to it
// (src/app/host.cpp), so src/modes/ and src/ui/ stay the same code on the desktop and the web, and
// the build's include check can hold the wall (README, Layout).
#pragma once
#include <string>

namespace attn::host {

double now_ms();
// A browser download (web) or a file in the current folder (desktop); returns the message to show.
std::string save_file(const std::string& name, const std::string& bytes, const char* mime);
void copy_text(const std::string& text);
void pick_file();                         // the page's file picker (web); desktop: drop files instead
void pick_model_files();                  // the page's picker for a checkpoint's files (several at once)
bool is_web();                            // downloads by name exist only in the page
std::string page_url();                   // the page's address without its fragment
void open_url(const std::string& url);    // relative to the page, in a new tab (web); printed (desktop)
bool escape_pressed();                    // Escape was pressed since the last frame
std::string load_setting(const std::string& key);  // kept between sessions ("" when unknown)
void save_setting(const std::string& key, const std::string& value);
void fetch_model(const std::string& name);  // the web: downloads a Hugging Face model's files (model_download_progress/done report)
void cancel_fetch();

}  // namespace attn::host
