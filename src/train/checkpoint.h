// Training checkpoints: DIR/step-NNNNNN/ directories written under a temporary name and renamed when every file
// is in place, so that a directory without the ".tmp" suffix is always complete. Each holds the trainer's
// files and state.json ({"step": N}, and "plan": the fingerprint of the data order when the trainer gives one).
#pragma once

#include <ggml.h>

#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "core/status.h"
#include "train/adamw.h"

namespace grm {

// Writes DIR/step-NNNNNN: write_files(tmp_dir) puts the trainer's files in tmp_dir, then state.json is added
// and the directory renamed into place (replacing an older one of the same step).
// plan: the fingerprint of the data order the steps index (0 = none recorded).
Status write_checkpoint(const std::string& dir, long step, const std::function<Status(const std::string&)>& write_files,
                        uint64_t plan = 0);

// The newest complete checkpoint in dir, if any.
struct CheckpointRef {
  std::string path;
  long step = 0;
  uint64_t plan = 0;  // 0: none recorded (checkpoints of trainers without one, and older ones)
};
std::optional<CheckpointRef> newest_checkpoint(const std::string& dir);

// A trainer's checkpoint: save_weights(dir) writes its weights, then DIR/optimizer.gguf holds the optimizer.
Status write_training_checkpoint(const std::string& dir, long step,
                                 const std::function<Status(const std::string&)>& save_weights, const AdamW& opt,
                                 uint64_t plan = 0);
// Restores the newest such checkpoint in dir, if there is one: load_weights(its path), then the optimizer.
// Returns its step, 0 when there is none (a fresh start). With plan_upto (the fingerprint of the caller's first
// N steps), a checkpoint of step N that recorded a different one is refused, with an error that names it: the
// steps it took were another data order (a changed seed, batch, data file or --length-window), so resuming
// would train some examples twice and skip others. More steps or epochs than before keep the first N.
Result<long> resume_training(const std::string& dir, const std::function<Status(const std::string&)>& load_weights, AdamW& opt,
                             const std::function<uint64_t(long)>& plan_upto = {});

// Copies tensors of the same names from an F32 GGUF into `params` (host memory). Errors name the file and tensor.
Status load_tensors(const std::string& gguf_path, const std::vector<ggml_tensor*>& params);

}  // namespace grm
