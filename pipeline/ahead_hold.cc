#include "pipeline/ahead_hold.h"

#include <algorithm>
#include <cstring>

#include "pipeline/event_consumer.h"

namespace privmon {

void AheadHold::Keep(const Event& e, uint8_t roles) {
  if (by_source_.size() <= e.source_index) by_source_.resize(e.source_index + std::size_t{1});
  std::vector<Entry>& heap = by_source_[e.source_index];
  Entry& en = heap.emplace_back();
  en.time = e.time;
  en.arrival = arrivals_++;
  en.roles = roles;
  en.strings.resize(PackedStringBytes(e));
  Pack(e, roles, en.strings.data(), &en.packed);
  std::push_heap(heap.begin(), heap.end(), After);
  ++size_;
}

void AheadHold::PopHeap(std::vector<Entry>& heap) {
  std::pop_heap(heap.begin(), heap.end(), After);
}

std::string EncodeAheadEvent(const Event& e, uint8_t roles) {
  std::string out(1 + sizeof(Event), '\0');
  out[0] = static_cast<char>(roles);
  std::memcpy(out.data() + 1, &e, sizeof(Event));
  return out;
}

bool DecodeAheadEvent(const CheckpointRecordView& v, AheadEventRecord* out) {
  if (v.payload.size() != 1 + sizeof(Event)) return false;
  out->roles = static_cast<uint8_t>(v.payload[0]);
  if (out->roles == 0 || (out->roles & ~(kRouteAccount | kRouteActor | kRouteTenant)) != 0) {
    return false;
  }
  std::memcpy(&out->event, v.payload.data() + 1, sizeof(Event));
  return true;
}

}  // namespace privmon
