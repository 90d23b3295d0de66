// SPDX-License-Identifier: Apache-2.0
// Lookup structures over unsigned keys (ports, IPv4 and IPv6 addresses as
// numbers): a lookup costs a binary search, so it grows with the logarithm
// of the number of ranges, not with it. Built once at load; lookups only
// read, and never allocate.
#pragma once

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <type_traits>
#include <vector>

#include "config/byte_stream.h"

namespace sockshim {

using Uint128 = unsigned __int128;

template <typename Key>
struct KeyRange {
  Key first;
  Key last;  // inclusive: a range may end at the largest key
};

// A set of keys given as ranges, kept sorted and merged. One vector of
// ranges, or none at all for a single small range (a port range, an IPv4
// prefix), which is kept inline: most rules' sets are one, and a compiled
// policy of 1,000 rules reads back a thousand of them at the first socket,
// each otherwise an allocation and its share of fresh pages.
template <typename Key>
class IntervalSet {
 public:
  IntervalSet() = default;
  explicit IntervalSet(std::vector<KeyRange<Key>> ranges) {
    const auto by_first = [](const KeyRange<Key>& a, const KeyRange<Key>& b) { return a.first < b.first; };
    // Long lists are usually written in order: sorting is then not needed.
    if (!std::is_sorted(ranges.begin(), ranges.end(), by_first)) std::sort(ranges.begin(), ranges.end(), by_first);
    std::vector<KeyRange<Key>> merged;
    merged.reserve(ranges.size());
    for (const KeyRange<Key>& range : ranges) {
      // Overlapping or adjacent ranges become one ("+ 1" cannot overflow
      // once the last range already reaches the largest key).
      if (!merged.empty() && (merged.back().last == kMax || range.first <= merged.back().last + 1)) {
        if (range.last > merged.back().last) merged.back().last = range.last;
        continue;
      }
      merged.push_back(range);
    }
    size_ = static_cast<uint32_t>(merged.size());
    if (keeps_inline()) {
      set_one(merged.front());
    } else {
      merged.shrink_to_fit();
      ranges_ = std::move(merged);
    }
  }

  bool empty() const { return size_ == 0; }
  size_t size() const { return size_; }
  KeyRange<Key> at(size_t i) const { return data()[i]; }
  size_t bytes() const { return ranges_.capacity() * sizeof(KeyRange<Key>); }

  bool contains(Key key) const {
    const KeyRange<Key>* begin = data();
    const KeyRange<Key>* after = std::upper_bound(
        begin, begin + size_, key, [](Key value, const KeyRange<Key>& range) { return value < range.first; });
    if (after == begin) return false;
    return key <= (after - 1)->last;
  }

  static constexpr Key kMax = static_cast<Key>(~Key(0));

  // As built, for a compiled file; restore() takes only what save() can
  // have written (sorted, apart), whatever the bytes.
  void save(ByteWriter& out) const { out.put_items(data(), size_); }
  bool restore(ByteReader& in) {
    const char* items = nullptr;
    uint32_t count = 0;
    if (!in.get_items<KeyRange<Key>>(&items, &count, kMaxItems)) return false;
    size_ = count;
    ranges_.clear();
    if (keeps_inline()) {
      KeyRange<Key> one;
      std::memcpy(&one, items, sizeof one);
      set_one(one);
    } else {
      ByteReader::copy_items(items, count, &ranges_);
    }
    const KeyRange<Key>* ranges = data();
    for (size_t i = 0; i < size_; ++i) {
      if (ranges[i].first > ranges[i].last || (i > 0 && ranges[i].first <= ranges[i - 1].last)) return false;
    }
    return true;
  }
  static constexpr size_t kMaxItems = 1 << 24;

 private:
  // Only ranges of up to eight bytes: an inline IPv6 range would make every
  // rule larger than the allocation it saves the few that have one.
  static constexpr bool kOneInline = sizeof(KeyRange<Key>) <= 8;
  struct NoRange {};

  bool keeps_inline() const { return kOneInline && size_ == 1; }
  void set_one(const KeyRange<Key>& range) {
    if constexpr (kOneInline) one_ = range;
  }
  const KeyRange<Key>* data() const {
    if constexpr (kOneInline) {
      if (size_ == 1) return &one_;
    }
    return ranges_.data();
  }

  std::vector<KeyRange<Key>> ranges_;  // unless the one range is inline
  uint32_t size_ = 0;
  [[no_unique_address]] std::conditional_t<kOneInline, KeyRange<Key>, NoRange> one_{};
};

// Which entries (numbered 0, 1, …) contain a key, each entry being a set of
// ranges: the key space is cut into elementary intervals, each with the
// sorted list of entries that cover it.
// The entries an index found: [begin, end).
struct EntrySpan {
  const uint32_t* begin = nullptr;
  const uint32_t* end = nullptr;
};

template <typename Key>
class IntervalIndex {
 public:
  // Entries may be added in any order; build() once after the last.
  void add(uint32_t entry, const IntervalSet<Key>& set) {
    // One step for a long list: every page a vector grows through is touched.
    const size_t needed = edges_.size() + 2 * set.size();
    if (needed > edges_.capacity()) edges_.reserve(std::max(needed, 2 * edges_.capacity()));
    added_sets_ += !set.empty();
    for (size_t i = 0; i < set.size(); ++i) {
      const KeyRange<Key> range = set.at(i);
      edges_.push_back({range.first, entry, true});
      if (range.last != IntervalSet<Key>::kMax) edges_.push_back({static_cast<Key>(range.last + 1), entry, false});
    }
  }

  void build() {
    const auto by_key = [](const Edge& a, const Edge& b) { return a.key < b.key; };
    if (!std::is_sorted(edges_.begin(), edges_.end(), by_key)) std::sort(edges_.begin(), edges_.end(), by_key);
    starts_.reserve(edges_.size() + 1);
    offsets_.reserve(edges_.size() + 2);
    offsets_.push_back(0);
    if (added_sets_ == 1) {
      build_from_one_set();
    } else {
      build_from_many_sets();
    }
    edges_.clear();
    edges_.shrink_to_fit();
    starts_.shrink_to_fit();
    offsets_.shrink_to_fit();
    entries_.shrink_to_fit();
  }

  // The entries containing |key|, in increasing order.
  EntrySpan find(Key key) const {
    const auto after = std::upper_bound(starts_.begin(), starts_.end(), key);
    if (after == starts_.begin()) return {};
    const size_t interval = static_cast<size_t>(after - starts_.begin()) - 1;
    return {entries_.data() + offsets_[interval], entries_.data() + offsets_[interval + 1]};
  }

  bool empty() const { return starts_.empty(); }

  // As built, for a compiled file; restore() checks what find() relies on
  // (sorted starts, offsets into entries_, entries below |entry_count|).
  void save(ByteWriter& out) const {
    out.put_vector(starts_);
    out.put_vector(offsets_);
    out.put_vector(entries_);
  }
  bool restore(ByteReader& in, uint32_t entry_count) {
    constexpr size_t kMaxItems = 1 << 24;
    if (!in.get_vector(&starts_, kMaxItems) || !in.get_vector(&offsets_, kMaxItems) ||
        !in.get_vector(&entries_, kMaxItems) || offsets_.size() != starts_.size() + 1 || offsets_[0] != 0 ||
        offsets_.back() != entries_.size()) {
      return false;
    }
    // Through pointers: tens of thousands of items, each index checked above.
    const Key* starts = starts_.data();
    const uint32_t* offsets = offsets_.data();
    bool ordered = true;
    for (size_t i = 0; i < starts_.size(); ++i) {
      ordered &= (i == 0 || starts[i] > starts[i - 1]) && offsets[i + 1] >= offsets[i];
    }
    uint32_t largest = 0;
    for (uint32_t entry : entries_) largest = std::max(largest, entry);
    return ordered && (entries_.empty() || largest < entry_count);
  }

  size_t bytes() const {
    return starts_.capacity() * sizeof(Key) + (offsets_.capacity() + entries_.capacity()) * sizeof(uint32_t);
  }

 private:
  struct Edge {
    Key key;
    uint32_t entry;
    bool opens;
  };

  // One rule with a long list (a cloud provider's prefixes): its ranges are
  // sorted and apart, so the intervals alternate between outside and inside.
  // What build_from_many_sets() gives, in a tenth of the instructions.
  void build_from_one_set() {
    if (!edges_.empty() && edges_.front().key != 0) append_interval(0, {});
    for (const Edge& edge : edges_) {
      starts_.push_back(edge.key);
      if (edge.opens) entries_.push_back(edge.entry);
      offsets_.push_back(static_cast<uint32_t>(entries_.size()));
    }
  }

  void build_from_many_sets() {
    // The entries covering the current key, sorted; few at a time in practice.
    std::vector<uint32_t> covering;
    size_t i = 0;
    while (i < edges_.size()) {
      const Key key = edges_[i].key;
      for (; i < edges_.size() && edges_[i].key == key; ++i) {
        const auto at = std::lower_bound(covering.begin(), covering.end(), edges_[i].entry);
        if (edges_[i].opens) {
          covering.insert(at, edges_[i].entry);
        } else if (at != covering.end() && *at == edges_[i].entry) {
          covering.erase(at);
        }
      }
      if (starts_.empty() && key != 0) append_interval(0, {});
      append_interval(key, covering);
    }
  }

  // A new interval from |start|, unless it covers what the previous one does.
  void append_interval(Key start, const std::vector<uint32_t>& covering) {
    const size_t previous_begin = offsets_[offsets_.size() - (starts_.empty() ? 1 : 2)];
    if (!starts_.empty() && entries_.size() - previous_begin == covering.size() &&
        std::equal(covering.begin(), covering.end(), entries_.begin() + static_cast<std::ptrdiff_t>(previous_begin))) {
      return;
    }
    starts_.push_back(start);
    for (uint32_t entry : covering) entries_.push_back(entry);
    offsets_.push_back(static_cast<uint32_t>(entries_.size()));
  }

  std::vector<Edge> edges_;      // only while building
  int added_sets_ = 0;           // non-empty sets given to add()
  std::vector<Key> starts_;      // the first key of each interval; starts_[0] == 0
  std::vector<uint32_t> offsets_;  // interval i covers entries_[offsets_[i], offsets_[i + 1])
  std::vector<uint32_t> entries_;
};

}  // namespace sockshim
