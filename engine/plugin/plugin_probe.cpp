#include "engine/plugin/plugin_probe.hpp"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <map>
#include <mutex>
#include <string_view>

#include "engine/plugin/plugin_library.hpp"

namespace keel {
namespace {

// The child's answer: fields written as "<length>:<bytes>", so ids may hold
// any byte. Status code, message, plugin id, then the factory ids.
void put(std::string& out, std::string_view field) {
  out += std::to_string(field.size());
  out += ':';
  out += field;
}

bool take(std::string_view& in, std::string& field) {
  const size_t colon = in.find(':');
  if (colon == std::string_view::npos || colon == 0 || colon > 9) return false;
  size_t length = 0;
  for (char c : in.substr(0, colon)) {
    if (c < '0' || c > '9') return false;
    length = length * 10 + static_cast<size_t>(c - '0');
  }
  if (in.size() - colon - 1 < length) return false;
  field.assign(in.substr(colon + 1, length));
  in.remove_prefix(colon + 1 + length);
  return true;
}

[[noreturn]] void answer_and_exit(int fd, const std::filesystem::path& file,
                                  const keel_host_t* load_host) {
  std::string out;
  Result<std::unique_ptr<PluginLibrary>> loaded = PluginLibrary::load(file, load_host);
  if (!loaded) {
    put(out, std::to_string(loaded.status().code()));
    put(out, loaded.status().message());
  } else {
    put(out, "0");
    put(out, "");
    put(out, (*loaded)->facts().id);
    for (const Factory& factory : (*loaded)->factories()) put(out, factory.id);
  }
  for (size_t written = 0; written < out.size();) {
    const ssize_t n = ::write(fd, out.data() + written, out.size() - written);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) break;
    written += static_cast<size_t>(n);
  }
  ::_exit(0);  // no atexit handlers, no stdio flush: the parent's state is not ours
}

std::string signal_text(int sig) {
  const char* name = sigabbrev_np(sig);
  return std::string(name != nullptr ? std::string("SIG") + name : "signal") + " (signal " +
         std::to_string(sig) + ")";
}

}  // namespace

// The probe itself, uncached.
static Result<PluginProbe> ask_in_child(const std::filesystem::path& file,
                                        const keel_host_t* load_host,
                                        std::chrono::milliseconds timeout);

Result<PluginProbe> probe_plugin(const std::filesystem::path& file, const keel_host_t* load_host,
                                 std::chrono::milliseconds timeout) {
  // A file's answer is kept for the life of the process, keyed by what the
  // file is (device, inode, size, modification time): many runs in one
  // process (keel as a library) ask each file once, and a file rebuilt in
  // place is asked again (as is one asked with another timeout).
  struct stat st {};
  std::string key;
  if (::stat(file.c_str(), &st) == 0) {
    key = file.string() + '\0' + std::to_string(st.st_dev) + ':' + std::to_string(st.st_ino) +
          ':' + std::to_string(st.st_size) + ':' + std::to_string(st.st_mtim.tv_sec) + '.' +
          std::to_string(st.st_mtim.tv_nsec) + '/' + std::to_string(timeout.count());
  }
  static std::mutex mutex;
  static std::map<std::string, Result<PluginProbe>> answers;
  if (!key.empty()) {
    std::lock_guard lock(mutex);
    if (auto it = answers.find(key); it != answers.end()) return it->second;
  }
  Result<PluginProbe> answer = ask_in_child(file, load_host, timeout);
  if (!key.empty()) {
    std::lock_guard lock(mutex);
    answers.emplace(key, answer);
  }
  return answer;
}

static Result<PluginProbe> ask_in_child(const std::filesystem::path& file,
                                        const keel_host_t* load_host,
                                        std::chrono::milliseconds timeout) {
  int fds[2];
  if (::pipe2(fds, O_CLOEXEC) != 0) {
    return Status(KEEL_ERR_INTERNAL, "cannot probe plugin " + file.string() + ": pipe: " +
                                         std::strerror(errno));
  }
  const pid_t child = ::fork();
  if (child < 0) {
    ::close(fds[0]);
    ::close(fds[1]);
    return Status(KEEL_ERR_INTERNAL, "cannot probe plugin " + file.string() + ": fork: " +
                                         std::strerror(errno));
  }
  if (child == 0) {
    ::close(fds[0]);
    // The fault signals the parent may handle (a sanitizer, an OCaml
    // plugin's stack-overflow handler) end the child plainly, so the parent
    // hears which signal the file's code raised.
    for (int sig : {SIGSEGV, SIGBUS, SIGFPE, SIGILL, SIGABRT}) ::signal(sig, SIG_DFL);
    answer_and_exit(fds[1], file, load_host);
  }
  ::close(fds[1]);

  std::string reply;
  bool timed_out = false;
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  char buffer[4096];
  while (true) {
    const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
        deadline - std::chrono::steady_clock::now());
    if (left.count() <= 0) {
      timed_out = true;
      break;
    }
    pollfd p{fds[0], POLLIN, 0};
    const int ready = ::poll(&p, 1, static_cast<int>(left.count()));
    if (ready < 0 && errno == EINTR) continue;
    if (ready <= 0) {
      timed_out = ready == 0;
      break;
    }
    const ssize_t n = ::read(fds[0], buffer, sizeof buffer);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) break;  // the child closed its end: it answered or died
    reply.append(buffer, static_cast<size_t>(n));
  }
  ::close(fds[0]);
  if (timed_out) ::kill(child, SIGKILL);
  int wstatus = 0;
  while (::waitpid(child, &wstatus, 0) < 0 && errno == EINTR) {
  }

  const std::string what = "plugin " + file.string();
  if (timed_out) {
    return Status(KEEL_ERR_PLUGIN_FAULT,
                  what + " did not answer within " + std::to_string(timeout.count() / 1000) +
                      " s when its entry function was called (a hang at load time); keel did "
                      "not load it: remove it from the search folder or fix it");
  }
  if (WIFSIGNALED(wstatus)) {
    return Status(KEEL_ERR_PLUGIN_FAULT,
                  what + " crashed with " + signal_text(WTERMSIG(wstatus)) +
                      " when it was loaded and its entry function called; keel did not load it "
                      "into this process: remove it from the search folder or fix it");
  }
  std::string_view in = reply;
  std::string code_text, message;
  if (!take(in, code_text) || !take(in, message)) {
    return Status(KEEL_ERR_PLUGIN_FAULT,
                  what + " ended its loading process (exit status " +
                      std::to_string(WIFEXITED(wstatus) ? WEXITSTATUS(wstatus) : -1) +
                      ") before it could answer: its entry function or a static constructor "
                      "exited the process");
  }
  const int code = std::atoi(code_text.c_str());
  if (code != KEEL_OK) return Status(code, message);
  PluginProbe probe;
  if (!take(in, probe.plugin_id)) {
    return Status(KEEL_ERR_INTERNAL, what + ": the probe's answer was cut short");
  }
  std::string id;
  while (!in.empty() && take(in, id)) probe.factory_ids.push_back(id);
  return probe;
}

}  // namespace keel
