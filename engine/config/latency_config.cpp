// engine/config/latency_config.cpp — reading a latency file.
#include "engine/config/latency_config.hpp"

#include <array>
#include <charconv>
#include <fstream>
#include <string_view>

#include "engine/market/timestamp.hpp"

namespace keel {
namespace {

constexpr std::array<std::string_view, 3> kColumns = {"ts", "order_ns", "report_ns"};

std::vector<std::string_view> split_commas(std::string_view line) {
  std::vector<std::string_view> out;
  size_t start = 0;
  while (true) {
    const size_t comma = line.find(',', start);
    out.push_back(line.substr(start, comma == std::string_view::npos ? comma : comma - start));
    if (comma == std::string_view::npos) return out;
    start = comma + 1;
  }
}

std::string_view trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t' || s.back() == '\r'))
    s.remove_suffix(1);
  return s;
}

std::optional<int64_t> parse_latency(std::string_view text) {
  int64_t ns = 0;
  const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), ns);
  if (ec != std::errc() || end != text.data() + text.size() || text.empty()) return std::nullopt;
  if (ns < 0 || ns > kMaxDurationNs) return std::nullopt;
  return ns;
}

}  // namespace

Result<LatencyFile> read_latency_file(const std::filesystem::path& path) {
  const std::string name = path.string();
  std::error_code ec;
  if (!std::filesystem::is_regular_file(path, ec)) {
    return Status(KEEL_ERR_NOT_FOUND,
                  name + ": no such latency file (a path is relative to the run file's folder)");
  }
  std::ifstream in(path, std::ios::binary);
  if (!in) return Status(KEEL_ERR_NOT_FOUND, name + ": cannot open the latency file");
  const auto at = [&](size_t line, const std::string& what) {
    return Status(KEEL_ERR_INVALID_ARGUMENT, name + ":" + std::to_string(line) + ": " + what);
  };
  std::string text;
  size_t line_no = 0;
  std::array<size_t, kColumns.size()> index{};
  size_t columns = 0;
  LatencyFile out;
  while (std::getline(in, text)) {
    ++line_no;
    const std::string_view line = trim(text);
    if (line_no == 1) {
      const std::vector<std::string_view> header = split_commas(line);
      std::array<bool, kColumns.size()> seen{};
      for (size_t i = 0; i < header.size(); ++i) {
        const std::string_view column = trim(header[i]);
        size_t k = 0;
        while (k < kColumns.size() && kColumns[k] != column) ++k;
        if (k == kColumns.size() || seen[k]) {
          return at(line_no,
                    "the header must name the columns ts, order_ns and report_ns, each "
                    "once, got '" +
                        std::string(line) + "'");
        }
        seen[k] = true;
        index[k] = i;
      }
      if (header.size() != kColumns.size()) {
        return at(line_no, "the header must name the columns ts, order_ns and report_ns, got '" +
                               std::string(line) + "'");
      }
      columns = header.size();
      continue;
    }
    if (line.empty()) continue;
    const std::vector<std::string_view> cells = split_commas(line);
    if (cells.size() != columns) {
      return at(line_no, "expected " + std::to_string(columns) +
                             " values (ts,order_ns,report_ns), "
                             "got " +
                             std::to_string(cells.size()));
    }
    const std::string_view ts_text = trim(cells[index[0]]);
    const std::optional<int64_t> ts = parse_timestamp(ts_text);
    if (!ts) {
      return at(line_no, "ts '" + std::string(ts_text) +
                             "' is not a time (ISO-8601 UTC or integer ns since the epoch)");
    }
    if (!data_timestamp_in_range(*ts)) return at(line_no, timestamp_out_of_range(*ts));
    if (!out.order.empty() && *ts < out.order.back().ts) {
      return at(line_no, "rows must be sorted by ts: " + format_timestamp(*ts) + " comes after " +
                             format_timestamp(out.order.back().ts));
    }
    int64_t ns[2] = {0, 0};
    for (size_t k = 1; k < kColumns.size(); ++k) {
      const std::string_view cell = trim(cells[index[k]]);
      const std::optional<int64_t> value = parse_latency(cell);
      if (!value) {
        return at(line_no, std::string(kColumns[k]) + " '" + std::string(cell) +
                               "' is not an integer number of ns from 0 to " +
                               std::to_string(kMaxDurationNs));
      }
      ns[k - 1] = *value;
    }
    out.order.push_back({*ts, ns[0]});
    out.report.push_back({*ts, ns[1]});
  }
  if (line_no == 0) return at(1, "empty: expected the header ts,order_ns,report_ns and rows");
  if (out.order.empty()) return at(line_no, "no rows after the header: a latency file needs one");
  return out;
}

}  // namespace keel
