// engine/plugin/handle_table.hpp — generation-counted handle tables (rule 3).
//
// A HandleTable<Kind, T> owns values of one kind and names them by 64-bit
// handles laid out as keel/handle.h says (index | generation << 32 |
// kind << 56). Looking up or removing through a stale handle (its slot was
// emptied, or reused under a newer generation), a second remove, a handle of
// another kind or a null handle gives an error Status, never undefined
// behaviour. A slot whose 24-bit generation would wrap is retired, so a
// handle is never confused with a later object in the same slot.
//
// Not thread-safe by itself: the owner serialises access.
#pragma once

#include <cstdint>
#include <cstdio>
#include <optional>
#include <string>
#include <vector>

#include "engine/core/status.hpp"
#include "keel/handle.h"

namespace keel {

inline std::string describe_handle(uint64_t bits) {
  char text[64];
  std::snprintf(text, sizeof text, "0x%016llx", static_cast<unsigned long long>(bits));
  return text;
}

template <uint32_t Kind, class T>
class HandleTable {
 public:
  static constexpr uint32_t kMaxGeneration = (1u << 24) - 1;

  // Stores `value` and returns its handle (never 0).
  uint64_t insert(T value) {
    uint32_t index;
    if (!free_.empty()) {
      index = free_.back();
      free_.pop_back();
    } else {
      index = static_cast<uint32_t>(slots_.size());
      slots_.push_back(Slot{});
    }
    Slot& slot = slots_[index];
    slot.value.emplace(std::move(value));
    ++live_;
    return encode(index, slot.generation);
  }

  // The value a handle names, or STALE_HANDLE / WRONG_KIND / INVALID_ARGUMENT.
  Result<T*> get(uint64_t bits) {
    Result<uint32_t> index = resolve(bits);
    if (!index) return index.status();
    return &*slots_[*index].value;
  }

  // Removes and returns the value; the handle (and any copy of it) is stale
  // from now on.
  Result<T> remove(uint64_t bits) {
    Result<uint32_t> index = resolve(bits);
    if (!index) return index.status();
    Slot& slot = slots_[*index];
    T value = std::move(*slot.value);
    slot.value.reset();
    --live_;
    if (slot.generation < kMaxGeneration) {
      ++slot.generation;
      free_.push_back(*index);
    }  // else: retired for good
    return value;
  }

  size_t size() const { return live_; }

  // Calls fn(handle, value) for every live value, in slot order.
  template <class Fn>
  void for_each(Fn&& fn) {
    for (uint32_t i = 0; i < slots_.size(); ++i) {
      if (slots_[i].value) fn(encode(i, slots_[i].generation), *slots_[i].value);
    }
  }

  static uint64_t encode(uint32_t index, uint32_t generation) {
    return (static_cast<uint64_t>(Kind) << 56) | (static_cast<uint64_t>(generation) << 32) | index;
  }

 private:
  struct Slot {
    uint32_t generation = 1;
    std::optional<T> value;
  };

  Result<uint32_t> resolve(uint64_t bits) const {
    if (bits == KEEL_NULL_HANDLE) return Status(KEEL_ERR_INVALID_ARGUMENT, "null handle");
    const uint32_t kind = keel_handle_kind(bits);
    if (kind != Kind) {
      return Status(KEEL_ERR_WRONG_KIND, "handle " + describe_handle(bits) + " is of kind " +
                                             std::to_string(kind) + ", expected kind " +
                                             std::to_string(Kind));
    }
    const uint32_t index = static_cast<uint32_t>(bits);
    const uint32_t generation = static_cast<uint32_t>(bits >> 32) & kMaxGeneration;
    if (index >= slots_.size() || !slots_[index].value || slots_[index].generation != generation) {
      return Status(KEEL_ERR_STALE_HANDLE,
                    "handle " + describe_handle(bits) +
                        " is stale: its object was dropped (or it never existed)");
    }
    return index;
  }

  std::vector<Slot> slots_;
  std::vector<uint32_t> free_;
  size_t live_ = 0;
};

}  // namespace keel
