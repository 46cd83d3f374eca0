// Progress on long work: a redrawn bar with rate and ETA on a terminal, a plain line every 10% otherwise.
#pragma once

#include <chrono>
#include <string>

namespace grm {

class Progress {
 public:
  Progress(std::string what, bool enabled);
  // `extra` is appended to the line (e.g. "loss 1.23  1800 tok/s").
  void update(int done, int total, const std::string& extra = "");
  void finish();

 private:
  std::string what_;
  bool enabled_;
  bool tty_;
  int last_decile_ = -1;
  bool drawn_ = false;
  std::chrono::steady_clock::time_point start_;
};

}  // namespace grm
