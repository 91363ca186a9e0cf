// engine/pricing/option_csv.hpp — price a CSV file of options through a
// model's batch entry point, streaming (constant memory however long the
// file is).
//
// Input: a header row naming the columns; required spot, strike, expiry,
// vol, rate, right (call|put|c|p); optional dividend (default 0) and
// exercise (european|american, default european). Other columns are passed
// through. Output: the input columns, then price,delta,gamma,vega,theta,rho.
// The first bad row stops the run with file:line:column and what was wrong.
// Every line, the last one too, must end with a line ending (the rule of
// every keel CSV reader; engine/data/data_file.hpp).
#pragma once

#include <cstddef>
#include <iosfwd>
#include <string>

#include "engine/core/status.hpp"
#include "engine/host/model_instance.hpp"

namespace keel {

struct OptionCsvStats {
  size_t rows = 0;
};

// `input_name` is used in messages ("options.csv"). Rows are priced in
// chunks of `chunk_rows` through ModelInstance::price_batch.
Result<OptionCsvStats> price_option_csv(ModelInstance& model, std::istream& input,
                                        const std::string& input_name, std::ostream& output,
                                        size_t chunk_rows = 4096);

}  // namespace keel
