#include "core/atomic_file.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <sstream>

namespace grm {
namespace {

namespace fs = std::filesystem;

std::string slurp(const std::string& p) {
  std::ifstream f(p);
  std::stringstream ss;
  ss << f.rdbuf();
  return ss.str();
}

TEST(AtomicFileTest, ReplacesWholeFilesAndLeavesNothingBehindOnFailure) {
  const fs::path dir = fs::temp_directory_path() / "grm_atomic_file_test";
  fs::remove_all(dir);
  fs::create_directories(dir);
  const std::string p = (dir / "out.txt").string();
  ASSERT_TRUE(write_file_atomically(p, "first\n").ok());
  ASSERT_TRUE(write_file_atomically(p, "second\n").ok());
  EXPECT_EQ(slurp(p), "second\n");
  EXPECT_FALSE(fs::exists(p + ".tmp"));
  // A target that cannot be replaced (a directory): the error names it, the temporary is gone.
  fs::create_directories(dir / "taken");
  auto st = write_file_atomically((dir / "taken").string(), "x");
  ASSERT_FALSE(st.ok());
  EXPECT_NE(st.error().message.find("taken"), std::string::npos) << st.error().message;
  EXPECT_FALSE(fs::exists((dir / "taken").string() + ".tmp"));
  // A directory that does not exist.
  EXPECT_FALSE(write_file_atomically((dir / "missing" / "x.txt").string(), "x").ok());
  fs::remove_all(dir);
}

}  // namespace
}  // namespace grm
