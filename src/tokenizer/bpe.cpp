#include "mmlu/tokenizer/bpe.hpp"

#include <cstdio>
#include <functional>
#include <queue>

#include "mmlu/util/error.hpp"
#include "mmlu/util/utf8.hpp"

namespace mmlu {

BpeModel::BpeModel(std::unordered_map<std::string, Id> vocab,
                   const std::vector<std::pair<std::string, std::string>>& merges,
                   BpeOptions options)
    : vocab_(std::move(vocab)), options_(std::move(options)) {
  merges_.reserve(merges.size());
  for (std::size_t rank = 0; rank < merges.size(); ++rank) {
    const auto& [left, right] = merges[rank];
    const auto l = token_to_id(left), r = token_to_id(right), m = token_to_id(left + right);
    if (!l || !r)
      throw Error("merge " + std::to_string(rank) + " (\"" + left + "\" \"" + right +
                  "\") names a token missing from the vocab");
    if (!m)
      throw Error("merge " + std::to_string(rank) + " makes \"" + left + right +
                  "\", which is missing from the vocab");
    // The first (lowest-ranked) occurrence of a pair wins, as in tokenizers.
    merges_.try_emplace(pair_key(*l, *r), MergeResult{static_cast<std::int32_t>(rank), *m});
  }
  if (options_.unk_token) {
    unk_id_ = token_to_id(*options_.unk_token);
    if (!unk_id_) throw Error("unk_token \"" + *options_.unk_token + "\" is not in the vocab");
  }
  for (int b = 0; b < 256; ++b) {
    char name[8];
    std::snprintf(name, sizeof name, "<0x%02X>", b);
    byte_ids_[b] = token_to_id(name).value_or(-1);
  }
}

std::optional<BpeModel::Id> BpeModel::token_to_id(std::string_view token) const {
  // C++20 heterogeneous lookup needs a transparent hash; one std::string per lookup is cheap
  // next to the merging.
  const auto it = vocab_.find(std::string(token));
  if (it == vocab_.end()) return std::nullopt;
  return it->second;
}

void BpeModel::encode_word(std::string_view word, std::vector<Id>& out) const {
  if (word.empty()) return;
  if (options_.ignore_merges) {
    if (const auto id = token_to_id(word)) {
      out.push_back(*id);
      return;
    }
  }
  std::vector<Id> symbols;
  symbols.reserve(word.size());
  // A pending unknown run is flushed only by a character found in the vocab, never by byte
  // fallback: tokenizers' merge_word behaves so, and ids must match it.
  bool unk_pending = false;
  for (std::size_t pos = 0; pos < word.size();) {
    const std::size_t length = utf8_length_at(word, pos);
    const std::string_view ch = word.substr(pos, length);
    pos += length;
    if (const auto id = token_to_id(ch)) {
      if (unk_pending) symbols.push_back(*unk_id_);
      unk_pending = false;
      symbols.push_back(*id);
      continue;
    }
    if (options_.byte_fallback) {
      bool all = true;
      for (unsigned char b : ch) all = all && byte_ids_[b] >= 0;
      if (all) {
        for (unsigned char b : ch) symbols.push_back(byte_ids_[b]);
        continue;
      }
    }
    if (unk_id_) {
      if (unk_pending && !options_.fuse_unk) symbols.push_back(*unk_id_);
      unk_pending = true;
    }
  }
  if (unk_pending) symbols.push_back(*unk_id_);

  // Merge the lowest-ranked adjacent pair, leftmost among equals, until none is left: a heap of
  // candidate pairs over a linked list of symbols, so a whole Llama-2-style segment (one "word"
  // of thousands of characters) costs n log n, not n^2.
  const auto n = static_cast<std::int32_t>(symbols.size());
  struct Symbol {
    Id id;
    std::int32_t prev, next;
    bool alive;
  };
  std::vector<Symbol> list(symbols.size());
  for (std::int32_t i = 0; i < n; ++i) list[i] = {symbols[i], i - 1, i + 1 < n ? i + 1 : -1, true};
  struct Candidate {
    std::int32_t rank, pos;
    Id id;
    bool operator>(const Candidate& o) const {
      return rank != o.rank ? rank > o.rank : pos > o.pos;
    }
  };
  std::priority_queue<Candidate, std::vector<Candidate>, std::greater<>> heap;
  auto offer = [&](std::int32_t pos) {
    const std::int32_t next = list[pos].next;
    if (next < 0) return;
    const auto it = merges_.find(pair_key(list[pos].id, list[next].id));
    if (it != merges_.end()) heap.push({it->second.rank, pos, it->second.id});
  };
  for (std::int32_t i = 0; i + 1 < n; ++i) offer(i);
  while (!heap.empty()) {
    const Candidate top = heap.top();
    heap.pop();
    Symbol& left = list[top.pos];
    if (!left.alive || left.next < 0) continue;
    // Stale when either side changed since the candidate was offered.
    const auto it = merges_.find(pair_key(left.id, list[left.next].id));
    if (it == merges_.end() || it->second.id != top.id) continue;
    Symbol& right = list[left.next];
    right.alive = false;
    left.id = top.id;
    left.next = right.next;
    if (right.next >= 0) list[right.next].prev = top.pos;
    if (left.prev >= 0) offer(left.prev);
    offer(top.pos);
  }
  symbols.clear();
  for (std::int32_t i = 0; i >= 0 && i < n; i = list[i].next) symbols.push_back(list[i].id);
  out.insert(out.end(), symbols.begin(), symbols.end());
}

}  // namespace mmlu
