// The migration's readers on malformed input: Pascal, forms, C++ and MSBuild files mutated from a
// committed seed corpus (the fixtures' inputs and corpus/), a fixed number of times with a fixed
// seed. Each run must return (no crash, no hang: ctest's timeout bounds the whole test), and its
// edits must stay inside the file and not overlap. On the unmutated seeds, a second migration of
// the migrated text changes nothing (idempotence).
#include <gtest/gtest.h>

#include <algorithm>
#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <random>
#include <string>
#include <vector>

#include "../common/mutate.h"
#include "files.h"
#include "form_reader.h"
#include "migrate.h"
#include "pascal_lexer.h"

namespace fs = std::filesystem;
using namespace iocp_migrate;

namespace {

enum class Kind { Pascal, Form, Cpp, Project };

struct Seed {
  std::string name;
  Kind kind;
  std::string extension;
  std::string bytes;
};

bool kindOf(const fs::path& p, Kind& kind) {
  const std::string e = lowerAscii(p.extension().string());
  if (e == ".pas" || e == ".dpr" || e == ".dpk" || e == ".lpr") kind = Kind::Pascal;
  else if (e == ".dfm" || e == ".lfm" || e == ".fmx") kind = Kind::Form;
  else if (e == ".cpp" || e == ".h") kind = Kind::Cpp;
  else if (e == ".dproj" || e == ".cbproj" || e == ".groupproj") kind = Kind::Project;
  else return false;
  return true;
}

std::vector<Seed> loadSeeds() {
  std::vector<Seed> seeds;
  for (const char* dir : {IOCP_MIGRATE_FIXTURES, IOCP_MIGRATE_CORPUS}) {
    std::vector<fs::path> files;
    for (const auto& e : fs::recursive_directory_iterator(dir))
      if (e.is_regular_file()) files.push_back(e.path());
    std::sort(files.begin(), files.end());
    for (const auto& f : files) {
      Kind kind;
      if (f.string().find("/expected/") != std::string::npos || !kindOf(f, kind)) continue;
      seeds.push_back({f.string(), kind, f.extension().string(), testing_support::readFile(f)});
    }
  }
  return seeds;
}

FileResult migrate(const Seed& seed, const std::string& bytes, Mode mode) {
  Options options;
  options.iocp = true;
  options.threads = 2;
  options.mode = mode;
  ProjectFacts facts;
  facts.serverHandlers.insert("idtcpserver1execute");
  switch (seed.kind) {
    case Kind::Pascal: return migratePascal(bytes, options, facts);
    case Kind::Form: return migrateForm(bytes, options, facts);
    case Kind::Cpp: return migrateCpp(bytes, options, facts);
    case Kind::Project: return migrateMsbuild(bytes, seed.extension, options);
  }
  return {};
}

void checkEdits(const FileResult& r, const std::string& bytes, const std::string& what) {
  std::vector<Edit> edits = r.edits;
  std::stable_sort(edits.begin(), edits.end(), [](const Edit& a, const Edit& b) { return a.pos < b.pos; });
  for (std::size_t i = 0; i < edits.size(); ++i) {
    ASSERT_LE(edits[i].pos + edits[i].len, bytes.size()) << what;
    if (i > 0 && edits[i].len > 0 && edits[i - 1].len > 0) ASSERT_GE(edits[i].pos, edits[i - 1].pos + edits[i - 1].len) << what;
  }
  (void)applyEdits(bytes, r.edits);
  (void)unifiedDiff("x", SourceText(bytes), r.edits);
}

// Pieces that open or close constructs in the four languages.
const std::vector<std::string> kPieces = {
    "{", "}", "(*", "*)", "'", "#", "#$", "//", "/*", "*/", "\"", "<", ">", "(", ")", "[", "]", "item", "end",
    "end>", "object ", "inherited ", "inline ", "begin ", "uses ", "requires ", "in '", ",", ";", "=", "+", ".",
    "\r\n", "\n", std::string(1, '\0'), "\xEF\xBB\xBF", "{$IFDEF X}", "<PropertyGroup>", "</PropertyGroup>",
    "<Project>", "#include <", "procedure ", "TIdContext", "IdTCPServer", "TPF0", "\xFF\xFE"};

}  // namespace

TEST(MigrateRobustness, SeedsMigrateOnceAndASecondRunChangesNothing) {
  const auto seeds = loadSeeds();
  ASSERT_GE(seeds.size(), 20u);
  int migrated = 0;
  for (const auto& seed : seeds) {
    for (Mode mode : {Mode::Rename, Mode::Compat}) {
      const FileResult first = migrate(seed, seed.bytes, mode);
      if (!first.refused.empty()) continue;
      checkEdits(first, seed.bytes, seed.name);
      const std::string once = applyEdits(seed.bytes, first.edits);
      if (once != seed.bytes) ++migrated;
      const FileResult second = migrate(seed, once, mode);
      EXPECT_EQ(applyEdits(once, second.edits), once) << seed.name << " changes again on a second run";
    }
  }
  EXPECT_GE(migrated, 10);
}

TEST(MigrateRobustness, MutatedInputsNeverCrashOrHang) {
  const auto seeds = loadSeeds();
  // IOCP_FUZZ_SEED / IOCP_FUZZ_RUNS run other or longer series by hand; CI runs this one.
  const char* seedEnv = std::getenv("IOCP_FUZZ_SEED");
  const char* runsEnv = std::getenv("IOCP_FUZZ_RUNS");
  std::mt19937 rng(seedEnv ? static_cast<unsigned>(std::strtoul(seedEnv, nullptr, 10)) : 20261201u);
  const int perSeed = runsEnv ? std::atoi(runsEnv) : 600;
  int runs = 0, refused = 0;
  const auto start = std::chrono::steady_clock::now();
  for (const auto& seed : seeds) {
    for (int i = 0; i < perSeed; ++i) {
      const std::string input = iocp_test::mutate(seed.bytes, rng, kPieces);
      const auto t0 = std::chrono::steady_clock::now();
      const FileResult r = migrate(seed, input, i % 3 == 0 ? Mode::Compat : Mode::Rename);
      const auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() - t0).count();
      // A hang, not a speed: one file's migration takes milliseconds on any machine.
      ASSERT_LT(ms, 30000) << seed.name << " mutation " << i << " took " << ms << " ms";
      if (!r.refused.empty()) ++refused;
      checkEdits(r, input, seed.name + " mutation " + std::to_string(i));
      if (::testing::Test::HasFatalFailure()) {
        // The reproducer, for a run by hand: iocp-migrate on this file.
        if (const char* dump = std::getenv("IOCP_FUZZ_DUMP")) std::ofstream(dump, std::ios::binary) << input;
        return;
      }
      (void)lexPascal(input);
      (void)readForm(input);
      ++runs;
    }
  }
  const auto total = std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() - start).count();
  std::printf("%d mutated inputs from %zu seeds in %lld ms, %d refused\n", runs, seeds.size(),
              static_cast<long long>(total), refused);
  EXPECT_GT(refused, 0);  // Some mutations must break a form or a project file.
}

TEST(MigrateRobustness, FormReaderReportsTheLineOfTheFault) {
  const FormReadResult r = readForm("object A: TB\r\n  X = 1\r\n  Y = \r\nend\r\n");
  EXPECT_EQ(r.root, nullptr);
  EXPECT_EQ(r.error, "line 4: unexpected 'end' as the value of Y") << r.error;
  const FormReadResult deep = readForm(std::string(5000, '(') + "x");
  EXPECT_EQ(deep.root, nullptr);
  std::string nested;
  for (int i = 0; i < 300; ++i) nested += "object A" + std::to_string(i) + ": T\n";
  for (int i = 0; i < 300; ++i) nested += "end\n";
  const FormReadResult tooDeep = readForm(nested);
  EXPECT_EQ(tooDeep.root, nullptr);
  EXPECT_NE(tooDeep.error.find("nested more than 200 deep"), std::string::npos) << tooDeep.error;
}
