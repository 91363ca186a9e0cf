#include "engine/pricing/option_csv.hpp"

#include <charconv>
#include <cmath>
#include <istream>
#include <limits>
#include <map>
#include <optional>
#include <ostream>
#include <vector>

#include "engine/data/data_file.hpp"

namespace keel {
namespace {

std::vector<std::string> split_csv_line(const std::string& line) {
  std::vector<std::string> fields;
  std::string current;
  for (char ch : line) {
    if (ch == ',') {
      fields.push_back(current);
      current.clear();
    } else if (ch != '\r') {
      current += ch;
    }
  }
  fields.push_back(current);
  return fields;
}

std::string trim(const std::string& s) {
  const size_t first = s.find_first_not_of(" \t");
  if (first == std::string::npos) return {};
  return s.substr(first, s.find_last_not_of(" \t") - first + 1);
}

std::string lower(std::string s) {
  for (char& ch : s) ch = static_cast<char>(std::tolower(static_cast<unsigned char>(ch)));
  return s;
}

// Column positions of the fields we read.
struct Columns {
  size_t spot, strike, expiry, vol, rate, right;
  std::optional<size_t> dividend, exercise;
};

// A chunk of parsed rows in struct-of-arrays form, priced in one call.
struct Chunk {
  std::vector<double> spot, strike, expiry, vol, rate, dividend;
  std::vector<int32_t> right, exercise;
  std::vector<std::string> lines;
  std::vector<size_t> line_numbers;
  void clear() {
    for (auto* v : {&spot, &strike, &expiry, &vol, &rate, &dividend}) v->clear();
    right.clear();
    exercise.clear();
    lines.clear();
    line_numbers.clear();
  }
};

std::string format_double(double value) {
  char buffer[32];
  auto [end, ec] = std::to_chars(buffer, buffer + sizeof buffer, value);
  return ec == std::errc() ? std::string(buffer, end) : std::string("nan");
}

}  // namespace

Result<OptionCsvStats> price_option_csv(ModelInstance& model, std::istream& input,
                                        const std::string& input_name, std::ostream& output,
                                        size_t chunk_rows) {
  std::string header_line;
  if (!std::getline(input, header_line)) {
    return Status(KEEL_ERR_INVALID_ARGUMENT, input_name + ":1: empty file, expected a header row");
  }
  // getline stops at the end of the input without a '\n': the rule every
  // keel CSV reader shares for a last line with no line ending.
  if (input.eof() && header_line.find_first_not_of(" \t\r") != std::string::npos) {
    return csv_last_line_error(input_name, 1);
  }
  const std::vector<std::string> header = split_csv_line(header_line);
  std::map<std::string, size_t> index;
  for (size_t i = 0; i < header.size(); ++i) {
    const std::string name = lower(trim(header[i]));
    if (!index.emplace(name, i).second) {
      return Status(KEEL_ERR_INVALID_ARGUMENT,
                    input_name + ":1:" + std::to_string(i + 1) + ": duplicate column '" + name + "'");
    }
  }
  std::string missing;
  auto column = [&](const char* name) -> size_t {
    auto it = index.find(name);
    if (it == index.end()) {
      missing += (missing.empty() ? "" : ", ") + std::string(name);
      return 0;
    }
    return it->second;
  };
  Columns cols{column("spot"), column("strike"), column("expiry"),
               column("vol"),  column("rate"),   column("right"), {}, {}};
  if (!missing.empty()) {
    return Status(KEEL_ERR_INVALID_ARGUMENT,
                  input_name + ":1: missing column(s) " + missing +
                      " (need spot,strike,expiry,vol,rate,right; optional dividend,exercise)");
  }
  if (auto it = index.find("dividend"); it != index.end()) cols.dividend = it->second;
  if (auto it = index.find("exercise"); it != index.end()) cols.exercise = it->second;

  std::string out_header = header_line;
  if (!out_header.empty() && out_header.back() == '\r') out_header.pop_back();
  output << out_header << ",price,delta,gamma,vega,theta,rho\n";

  OptionCsvStats stats;
  Chunk chunk;
  std::vector<double> price, delta, gamma, vega, theta, rho;
  std::vector<keel_status_t> status;

  auto flush = [&]() -> Status {
    const size_t n = chunk.spot.size();
    if (n == 0) return Status::ok();
    for (auto* v : {&price, &delta, &gamma, &vega, &theta, &rho}) v->assign(n, 0.0);
    status.assign(n, KEEL_OK);
    const keel_option_batch_t batch{n,
                                    chunk.spot.data(),
                                    chunk.strike.data(),
                                    chunk.expiry.data(),
                                    chunk.vol.data(),
                                    chunk.rate.data(),
                                    chunk.dividend.data(),
                                    chunk.right.data(),
                                    chunk.exercise.data()};
    const keel_greeks_batch_t out{price.data(), delta.data(), gamma.data(), vega.data(),
                                  theta.data(), rho.data(),   status.data()};
    Status priced = model.price_batch(batch, out);
    if (!priced) {
      for (size_t i = 0; i < n; ++i) {
        if (status[i] != KEEL_OK) {
          // The model's message names the index within the chunk; say the line.
          return Status(priced.code(), input_name + ":" + std::to_string(chunk.line_numbers[i]) +
                                           ": " + model.name() + " rejected the option: " +
                                           priced.message());
        }
      }
      return priced;  // a failure of the whole call (fault, poisoned)
    }
    for (size_t i = 0; i < n; ++i) {
      output << chunk.lines[i] << ',' << format_double(price[i]) << ','
             << format_double(delta[i]) << ',' << format_double(gamma[i]) << ','
             << format_double(vega[i]) << ',' << format_double(theta[i]) << ','
             << format_double(rho[i]) << '\n';
    }
    stats.rows += n;
    chunk.clear();
    return Status::ok();
  };

  std::string line;
  size_t line_number = 1;
  while (std::getline(input, line)) {
    ++line_number;
    if (!line.empty() && line.back() == '\r') line.pop_back();
    if (trim(line).empty()) continue;
    if (input.eof()) return csv_last_line_error(input_name, line_number);
    const std::vector<std::string> fields = split_csv_line(line);
    const std::string where = input_name + ":" + std::to_string(line_number);
    if (fields.size() != header.size()) {
      return Status(KEEL_ERR_INVALID_ARGUMENT,
                    where + ": expected " + std::to_string(header.size()) + " fields, found " +
                        std::to_string(fields.size()));
    }
    auto number = [&](size_t col, std::vector<double>& into) -> Status {
      const std::string text = trim(fields[col]);
      double value = 0;
      auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
      if (ec != std::errc() || end != text.data() + text.size() || !std::isfinite(value)) {
        return Status(KEEL_ERR_INVALID_ARGUMENT,
                      where + ":" + std::to_string(col + 1) + ": " + trim(header[col]) +
                          ": expected a finite number, got '" + text + "'");
      }
      into.push_back(value);
      return Status::ok();
    };
    for (auto [col, into] : {std::pair{cols.spot, &chunk.spot}, {cols.strike, &chunk.strike},
                             {cols.expiry, &chunk.expiry}, {cols.vol, &chunk.vol},
                             {cols.rate, &chunk.rate}}) {
      if (Status s = number(col, *into); !s) return s;
    }
    if (cols.dividend) {
      if (Status s = number(*cols.dividend, chunk.dividend); !s) return s;
    } else {
      chunk.dividend.push_back(0.0);
    }
    const std::string right = lower(trim(fields[cols.right]));
    if (right == "call" || right == "c") {
      chunk.right.push_back(KEEL_RIGHT_CALL);
    } else if (right == "put" || right == "p") {
      chunk.right.push_back(KEEL_RIGHT_PUT);
    } else {
      return Status(KEEL_ERR_INVALID_ARGUMENT, where + ":" + std::to_string(cols.right + 1) +
                                                   ": right: expected call or put, got '" +
                                                   trim(fields[cols.right]) + "'");
    }
    int32_t exercise = KEEL_EXERCISE_EUROPEAN;
    if (cols.exercise) {
      const std::string text = lower(trim(fields[*cols.exercise]));
      if (text == "american") {
        exercise = KEEL_EXERCISE_AMERICAN;
      } else if (text != "european" && !text.empty()) {
        return Status(KEEL_ERR_INVALID_ARGUMENT,
                      where + ":" + std::to_string(*cols.exercise + 1) +
                          ": exercise: expected european or american, got '" + text + "'");
      }
    }
    chunk.exercise.push_back(exercise);
    chunk.lines.push_back(line);
    chunk.line_numbers.push_back(line_number);
    if (chunk.spot.size() >= chunk_rows) {
      if (Status s = flush(); !s) return s;
    }
  }
  if (Status s = flush(); !s) return s;
  return stats;
}

}  // namespace keel
