#include "engine/data/data_spec.hpp"

namespace keel {

const char* data_format_name(DataFormat format) {
  switch (format) {
    case DataFormat::quotes:
      return "quotes";
    case DataFormat::trades:
      return "trades";
    case DataFormat::bars:
      return "bars";
    case DataFormat::depth:
      return "depth";
  }
  return "?";
}

const char* csv_header(DataFormat format) {
  switch (format) {
    case DataFormat::quotes:
      return "ts,instrument,bid,bid_size,ask,ask_size";
    case DataFormat::trades:
      return "ts,instrument,price,size";
    case DataFormat::bars:
      return "ts,instrument,open,high,low,close,volume";
    case DataFormat::depth:
      return "ts,instrument,side,price,size";
  }
  return "";
}

}  // namespace keel
