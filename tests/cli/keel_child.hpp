// tests/cli/keel_child.hpp — the built `keel` as a child process that the
// test can signal while it runs, or start under a file size limit.
//
//   KeelChild child({"run", run_file, "-q"}, dir.path());
//   ASSERT_TRUE(wait_until([&] { return ...; })) << child.finish();
//   child.signal(SIGINT);
//   const KeelRun r = child.finish();
//
// The child is started with fork + execve (posix_spawn cannot set a
// resource limit): between the two only async-signal-safe calls run —
// setrlimit, sigaction, open, dup2. Its stdout and stderr go to files in
// `folder` (read by finish()), so a child that writes a lot never blocks on
// a pipe the test is not reading. Core dumps are off (RLIMIT_CORE 0), and
// KEEL_PLUGIN_PATH is removed from its environment, as in run_process.
#pragma once

#include <fcntl.h>
#include <signal.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstring>
#include <filesystem>
#include <functional>
#include <optional>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

#include "keel_process.hpp"

namespace keel::cli_test {

struct ChildLimits {
  // RLIMIT_FSIZE in bytes, with SIGXFSZ ignored: a write past it fails with
  // EFBIG, as one on a full disk fails with ENOSPC.
  std::optional<rlim_t> file_size;
};

class KeelChild {
 public:
  KeelChild(const std::vector<std::string>& args, const std::filesystem::path& folder,
            ChildLimits limits = {})
      : out_path_((folder / "child.stdout").string()),
        err_path_((folder / "child.stderr").string()) {
    run_.argv.push_back(KEEL_TEST_BINARY);
    run_.argv.insert(run_.argv.end(), args.begin(), args.end());
    std::vector<char*> argv;
    for (auto& a : run_.argv) argv.push_back(a.data());
    argv.push_back(nullptr);
    std::vector<std::string> env_strings;
    for (char** e = environ; *e != nullptr; ++e) {
      if (std::strncmp(*e, "KEEL_PLUGIN_PATH=", 17) != 0) env_strings.emplace_back(*e);
    }
    std::vector<char*> envp;
    for (auto& s : env_strings) envp.push_back(s.data());
    envp.push_back(nullptr);

    pid_ = fork();
    if (pid_ < 0) throw std::runtime_error(std::string("fork: ") + std::strerror(errno));
    if (pid_ == 0) {  // the child: async-signal-safe calls only, then exec
      const rlimit no_core{0, 0};
      setrlimit(RLIMIT_CORE, &no_core);
      if (limits.file_size) {
        struct sigaction ignore {};
        ignore.sa_handler = SIG_IGN;
        sigaction(SIGXFSZ, &ignore, nullptr);
        rlimit size{};
        getrlimit(RLIMIT_FSIZE, &size);
        size.rlim_cur = *limits.file_size;
        setrlimit(RLIMIT_FSIZE, &size);
      }
      const int in = open("/dev/null", O_RDONLY);
      const int out = open(out_path_.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
      const int err = open(err_path_.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
      if (in < 0 || out < 0 || err < 0) _exit(126);
      dup2(in, STDIN_FILENO);
      dup2(out, STDOUT_FILENO);
      dup2(err, STDERR_FILENO);
      execve(argv[0], argv.data(), envp.data());
      _exit(127);
    }
  }
  ~KeelChild() {
    if (pid_ > 0 && !reaped_) {
      kill(pid_, SIGKILL);
      int status = 0;
      waitpid(pid_, &status, 0);
    }
  }
  KeelChild(const KeelChild&) = delete;
  KeelChild& operator=(const KeelChild&) = delete;

  void signal(int signal_number) const { kill(pid_, signal_number); }

  // Whether it is still running (false once it has exited; reaps it then).
  bool running() {
    if (reaped_) return false;
    int status = 0;
    const pid_t done = waitpid(pid_, &status, WNOHANG);
    if (done == pid_) record(status);
    return !reaped_;
  }

  // Waits for it to end, at most `timeout` (then kills it: exit_code says
  // 137, signaled), and returns what it did.
  KeelRun finish(std::chrono::seconds timeout = std::chrono::seconds(60)) {
    const auto give_up = std::chrono::steady_clock::now() + timeout;
    while (running() && std::chrono::steady_clock::now() < give_up) {
      std::this_thread::sleep_for(std::chrono::milliseconds(5));
    }
    if (!reaped_) {
      kill(pid_, SIGKILL);
      int status = 0;
      waitpid(pid_, &status, 0);
      record(status);
      run_.err += "\n[the test killed it after " + std::to_string(timeout.count()) + " s]";
    }
    return run_;
  }

 private:
  void record(int status) {
    reaped_ = true;
    if (WIFEXITED(status)) {
      run_.exit_code = WEXITSTATUS(status);
    } else if (WIFSIGNALED(status)) {
      run_.signaled = true;
      run_.exit_code = 128 + WTERMSIG(status);
    }
    run_.out = read_file(out_path_);
    run_.err = read_file(err_path_);
  }

  std::string out_path_, err_path_;
  KeelRun run_;
  pid_t pid_ = -1;
  bool reaped_ = false;
};

// Checks `condition` every 5 ms until it holds (true) or `timeout` passes
// (false). For waiting on what a child writes: never a fixed sleep.
inline bool wait_until(const std::function<bool()>& condition,
                       std::chrono::seconds timeout = std::chrono::seconds(30)) {
  const auto give_up = std::chrono::steady_clock::now() + timeout;
  while (!condition()) {
    if (std::chrono::steady_clock::now() >= give_up) return false;
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  return true;
}

}  // namespace keel::cli_test
