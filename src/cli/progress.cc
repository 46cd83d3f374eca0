#include "cli/progress.h"

#include <fmt/format.h>
#include <unistd.h>

#include <cstdio>

namespace grm {
namespace {

std::string clock_text(double s) {
  if (s < 0 || s > 1e7) return "--:--";
  long t = static_cast<long>(s + 0.5);
  return t >= 3600 ? fmt::format("{}:{:02}:{:02}", t / 3600, t / 60 % 60, t % 60) : fmt::format("{}:{:02}", t / 60, t % 60);
}

}  // namespace

Progress::Progress(std::string what, bool enabled)
    : what_(std::move(what)), enabled_(enabled), tty_(isatty(STDERR_FILENO) != 0), start_(std::chrono::steady_clock::now()) {}

void Progress::update(int done, int total, const std::string& extra) {
  if (!enabled_ || total <= 0) return;
  const double elapsed = std::chrono::duration<double>(std::chrono::steady_clock::now() - start_).count();
  // Rates over less than a second (an item refused at once, say) mean nothing: show none yet.
  const double rate = elapsed > 1.0 ? done / elapsed : 0;
  const double eta = rate > 0 ? (total - done) / rate : -1;
  const std::string rate_text = rate > 0 ? fmt::format("{:.2f}/s", rate) : "--/s";
  if (tty_) {
    const int width = 30;
    const int fill = static_cast<int>(static_cast<double>(done) / total * width);
    std::fprintf(stderr, "\r%s [%s%s] %d/%d  %s  elapsed %s  ETA %s  %s ", what_.c_str(), std::string(fill, '#').c_str(),
                 std::string(width - fill, '.').c_str(), done, total, rate_text.c_str(), clock_text(elapsed).c_str(),
                 clock_text(eta).c_str(), extra.c_str());
    std::fflush(stderr);
    drawn_ = true;
  } else {
    const int decile = done * 10 / total;
    if (decile != last_decile_) {
      last_decile_ = decile;
      std::fprintf(stderr, "%s: %d/%d (%s, elapsed %s, ETA %s) %s\n", what_.c_str(), done, total, rate_text.c_str(),
                   clock_text(elapsed).c_str(), clock_text(eta).c_str(), extra.c_str());
    }
  }
}

void Progress::finish() {
  if (enabled_ && tty_ && drawn_) std::fputc('\n', stderr);
  drawn_ = false;
}

}  // namespace grm
