// SPDX-License-Identifier: Apache-2.0
// Writing and reading the fixed-width binary of a compiled file
// (config/compiled_file.h): values in the machine's own byte order, and a
// reader that checks every read against the end, so that a truncated or
// damaged file stops it instead of sending it past its buffer.
#pragma once

#include <cstdint>
#include <cstring>
#include <string>
#include <string_view>
#include <type_traits>
#include <vector>

#include "config/prefault.h"

namespace sockshim {

class ByteWriter {
 public:
  explicit ByteWriter(std::string* out) : out_(out) {}
  template <typename T>
  void put(T value) {
    static_assert(std::is_trivially_copyable_v<T>);
    char bytes[sizeof value];
    std::memcpy(bytes, &value, sizeof value);
    out_->append(bytes, sizeof value);
  }
  void put_bytes(const void* data, size_t length) { out_->append(static_cast<const char*>(data), length); }
  void put_string(const std::string& text) {
    put(static_cast<uint32_t>(text.size()));
    put_bytes(text.data(), text.size());
  }
  // A count and, unless it is 0, zeros up to T's alignment (counted from
  // the start of the output), then the elements as they are in memory: a
  // reader whose input starts aligned copies them in one piece.
  template <typename T>
  void put_vector(const std::vector<T>& items) {
    put_items(items.data(), items.size());
  }
  // The same from |count| items at |items|.
  template <typename T>
  void put_items(const T* items, size_t count) {
    static_assert(std::is_trivially_copyable_v<T>);
    put(static_cast<uint32_t>(count));
    if (count == 0) return;
    out_->append((alignof(T) - out_->size() % alignof(T)) % alignof(T), '\0');
    put_bytes(items, count * sizeof(T));
  }

 private:
  std::string* out_;
};

class ByteReader {
 public:
  explicit ByteReader(std::string_view bytes) : bytes_(bytes) {}
  template <typename T>
  bool get(T* value) {
    static_assert(std::is_trivially_copyable_v<T>);
    if (left() < sizeof *value) return fail();
    std::memcpy(value, bytes_.data() + at_, sizeof *value);
    at_ += sizeof *value;
    return true;
  }
  bool get_bytes(void* data, size_t length) {
    if (left() < length) return fail();
    std::memcpy(data, bytes_.data() + at_, length);
    at_ += length;
    return true;
  }
  bool get_string(std::string* text, size_t limit) {
    uint32_t length = 0;
    if (!get(&length) || length > limit || left() < length) return fail();
    text->assign(bytes_.data() + at_, length);
    at_ += length;
    return true;
  }
  // A count of items of at least |item_bytes| each, no more than |limit|
  // and no more than what is left to read (so a damaged count cannot make
  // the reader reserve gigabytes).
  bool get_count(uint32_t* count, size_t limit, size_t item_bytes) {
    if (!get(count) || *count > limit || left() / item_bytes < *count) return fail();
    return true;
  }
  template <typename T>
  bool get_vector(std::vector<T>* items, size_t limit) {
    const char* first = nullptr;
    uint32_t count = 0;
    if (!get_items<T>(&first, &count, limit)) return false;
    copy_items(first, count, items);
    return true;
  }
  // What put_vector() wrote, where it lies in the input: |*count| items of
  // T from |*items| (null when there are none), aligned for T if the input
  // is. For a reader that copies them itself (copy_items()).
  template <typename T>
  bool get_items(const char** items, uint32_t* count, size_t limit) {
    static_assert(std::is_trivially_copyable_v<T>);
    *items = nullptr;
    if (!get(count)) return false;
    if (*count == 0) return true;
    const size_t padding = (alignof(T) - at_ % alignof(T)) % alignof(T);
    if (left() < padding) return fail();
    at_ += padding;
    if (*count > limit || left() / sizeof(T) < *count) return fail();
    *items = bytes_.data() + at_;
    at_ += *count * sizeof(T);
    return true;
  }
  // |count| items of T from |first| (as get_items() gave them) into |items|.
  template <typename T>
  static void copy_items(const char* first, uint32_t count, std::vector<T>* items) {
    items->clear();
    if (count == 0) return;  // an empty vector's data() may be null: no memcpy from or to it
    // Straight from the bytes: no zero-filling first. A long vector's fresh
    // pages are faulted in with one system call, not one fault per page (a
    // compiled policy's lookup tables are tens of pages each).
    items->reserve(count);
    prefault_for_writing(items->data(), count * sizeof(T));
    const T* typed = reinterpret_cast<const T*>(first);
    if (reinterpret_cast<uintptr_t>(typed) % alignof(T) == 0) {
      items->assign(typed, typed + count);
    } else {
      items->resize(count);
      std::memcpy(items->data(), first, count * sizeof(T));
    }
  }
  // |length| bytes in place, or null when fewer are left.
  const char* take(size_t length) {
    if (left() < length) {
      fail();
      return nullptr;
    }
    const char* at = bytes_.data() + at_;
    at_ += length;
    return at;
  }
  template <typename Enum>
  bool get_enum(Enum* value, uint8_t last) {
    uint8_t raw = 0;
    if (!get(&raw) || raw > last) return fail();
    *value = static_cast<Enum>(raw);
    return true;
  }
  bool at_end() const { return at_ == bytes_.size(); }

 private:
  size_t left() const { return bytes_.size() - at_; }
  bool fail() {
    at_ = bytes_.size();  // nothing more is read after a failure
    return false;
  }
  std::string_view bytes_;
  size_t at_ = 0;
};

}  // namespace sockshim
