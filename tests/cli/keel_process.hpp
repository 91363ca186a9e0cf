// tests/cli/keel_process.hpp — run the built `keel` binary as a child
// process and capture what it did, for the CLI tests.
//
//   KeelRun r = run_keel({"price", "--model", "keel.black_scholes", ...});
//   EXPECT_EQ(r.exit_code, 0) << r;
//
// The child is started with posix_spawn and an argument vector (no shell,
// so paths with spaces or quotes are passed through unchanged), stdin from
// /dev/null, stdout and stderr captured through pipes. KEEL_PLUGIN_PATH is
// removed from its environment so the caller's shell cannot change what the
// tests see; a test that wants it passes it in `env`.
#pragma once

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <map>
#include <ostream>
#include <sstream>
#include <stdexcept>
#include <string>
#include <vector>

extern char** environ;

namespace keel::cli_test {

struct KeelRun {
  std::vector<std::string> argv;  // argv[0] is the binary
  int exit_code = -1;             // 128 + signal number when killed by a signal
  bool signaled = false;
  std::string out;
  std::string err;
};

// For failure messages: `EXPECT_EQ(r.exit_code, 2) << r;`
inline std::ostream& operator<<(std::ostream& os, const KeelRun& r) {
  os << "\n  command:";
  for (const auto& a : r.argv) os << " '" << a << "'";
  os << "\n  exit code: " << r.exit_code << (r.signaled ? " (killed by a signal)" : "")
     << "\n  stdout: " << r.out << "\n  stderr: " << r.err;
  return os;
}

// Runs `binary args...` and waits for it. Throws std::runtime_error only when
// the child cannot be started at all.
inline KeelRun run_process(const std::string& binary, const std::vector<std::string>& args,
                           const std::map<std::string, std::string>& env = {}) {
  KeelRun run;
  run.argv.push_back(binary);
  run.argv.insert(run.argv.end(), args.begin(), args.end());
  std::vector<char*> argv;
  for (auto& a : run.argv) argv.push_back(a.data());
  argv.push_back(nullptr);

  // The parent's environment, minus KEEL_PLUGIN_PATH and anything `env`
  // overrides, plus `env`.
  std::vector<std::string> env_strings;
  for (char** e = environ; *e != nullptr; ++e) {
    const std::string entry = *e;
    const std::string name = entry.substr(0, entry.find('='));
    if (name == "KEEL_PLUGIN_PATH" || env.count(name) != 0) continue;
    env_strings.push_back(entry);
  }
  for (const auto& [name, value] : env) env_strings.push_back(name + "=" + value);
  std::vector<char*> envp;
  for (auto& s : env_strings) envp.push_back(s.data());
  envp.push_back(nullptr);

  int out_pipe[2], err_pipe[2];
  if (pipe2(out_pipe, O_CLOEXEC) != 0 || pipe2(err_pipe, O_CLOEXEC) != 0) {
    throw std::runtime_error(std::string("pipe2: ") + std::strerror(errno));
  }
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_addopen(&actions, STDIN_FILENO, "/dev/null", O_RDONLY, 0);
  posix_spawn_file_actions_adddup2(&actions, out_pipe[1], STDOUT_FILENO);
  posix_spawn_file_actions_adddup2(&actions, err_pipe[1], STDERR_FILENO);
  pid_t pid = 0;
  const int spawned =
      posix_spawn(&pid, binary.c_str(), &actions, nullptr, argv.data(), envp.data());
  posix_spawn_file_actions_destroy(&actions);
  close(out_pipe[1]);
  close(err_pipe[1]);
  if (spawned != 0) {
    close(out_pipe[0]);
    close(err_pipe[0]);
    throw std::runtime_error("posix_spawn " + binary + ": " + std::strerror(spawned));
  }

  // Drain both pipes together so a child filling one cannot block.
  pollfd fds[2] = {{out_pipe[0], POLLIN, 0}, {err_pipe[0], POLLIN, 0}};
  std::string* sinks[2] = {&run.out, &run.err};
  int open_fds = 2;
  char buffer[65536];
  while (open_fds > 0) {
    if (poll(fds, 2, -1) < 0) {
      if (errno == EINTR) continue;
      break;
    }
    for (int i = 0; i < 2; ++i) {
      if (fds[i].fd < 0 || fds[i].revents == 0) continue;
      const ssize_t n = read(fds[i].fd, buffer, sizeof buffer);
      if (n > 0) {
        sinks[i]->append(buffer, static_cast<size_t>(n));
      } else if (n == 0 || errno != EINTR) {
        close(fds[i].fd);
        fds[i].fd = -1;  // poll ignores negative descriptors
        --open_fds;
      }
    }
  }
  int status = 0;
  while (waitpid(pid, &status, 0) < 0 && errno == EINTR) {
  }
  if (WIFEXITED(status)) {
    run.exit_code = WEXITSTATUS(status);
  } else if (WIFSIGNALED(status)) {
    run.signaled = true;
    run.exit_code = 128 + WTERMSIG(status);
  }
  return run;
}

inline KeelRun run_keel(const std::vector<std::string>& args,
                        const std::map<std::string, std::string>& env = {}) {
  return run_process(KEEL_TEST_BINARY, args, env);
}

// A fresh folder, removed with everything in it when the object goes.
class TempDir {
 public:
  TempDir() {
    const char* base = std::getenv("TMPDIR");
    std::string pattern =
        std::string(base != nullptr && *base != '\0' ? base : "/tmp") + "/keel-cli-test.XXXXXX";
    if (mkdtemp(pattern.data()) == nullptr) {
      throw std::runtime_error(std::string("mkdtemp: ") + std::strerror(errno));
    }
    path_ = pattern;
  }
  ~TempDir() {
    std::error_code ec;
    std::filesystem::remove_all(path_, ec);
  }
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;

  const std::filesystem::path& path() const { return path_; }
  // Writes `text` to a file in the folder and returns its full path.
  std::string write(const std::string& name, const std::string& text) const {
    const auto file = path_ / name;
    std::ofstream(file, std::ios::binary) << text;
    return file.string();
  }
  std::string file(const std::string& name) const { return (path_ / name).string(); }

 private:
  std::filesystem::path path_;
};

inline std::string read_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream text;
  text << in.rdbuf();
  return text.str();
}

inline std::vector<std::string> split(const std::string& text, char separator) {
  std::vector<std::string> parts;
  std::string part;
  std::istringstream in(text);
  while (std::getline(in, part, separator)) parts.push_back(part);
  return parts;
}

// A printf "%.17g" rendering: enough digits to read back the same double.
inline std::string exact(double value) {
  char buffer[40];
  std::snprintf(buffer, sizeof buffer, "%.17g", value);
  return buffer;
}

}  // namespace keel::cli_test
