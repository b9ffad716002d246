// DetectionEngine::Prefetch: the hint a shard gives a few events ahead (pipeline/shard_queue.h).
// At millions of accounts each probe OnEvent makes is a DRAM (and TLB) miss; prefetching them
// while earlier events are handled overlaps those misses. Mirrors the probes of OnEvent, Resolve
// and the sign-in novelty rules (detectors/code_rules/signin_novelty.cc); a probe it misses or
// adds only costs time, never changes a verdict: nothing here writes state.
#include "detectors/code_rules/signin_novelty.h"
#include "detectors/detection_engine.h"

namespace privmon {

void DetectionEngine::Prefetch(const Event& e, uint8_t roles) {
  if (e.fingerprint != 0 && config_->pipeline.dedupe_horizon_s > 0) dedupe_.Prefetch(e.fingerprint);
  if ((roles & kRouteAccount) != 0 && e.account.present()) accounts_.Prefetch(e.account.key);
  if ((roles & kRouteActor) != 0 && e.actor.present()) accounts_.Prefetch(e.actor.key);
  if (e.kind != EventKind::kSignIn || (roles & kRouteAccount) == 0 ||
      e.signin.principal != PrincipalType::kUser) {
    return;
  }
  const uint64_t key = e.account.key;
  const SignInFields& si = e.signin;
  // A new value's former spellings are probed too (LearnFolded).
  const auto value_and_former = [&](NoveltyKind kind, uint64_t value, uint64_t former) {
    if (value == 0) return;
    known_.Prefetch(key, kind, value);
    if (former != 0 && former != value) known_.Prefetch(key, kind, former);
  };
  value_and_former(NoveltyKind::kClientApp, si.client_app_hash, si.former_client_app_hash);
  if (si.error_code != 0) {
    value_and_former(NoveltyKind::kClientAppAttempt, si.client_app_hash, si.former_client_app_hash);
  }
  // PRIV-SI-14 reads neither a failure nor a non-interactive sign-in.
  if (si.error_code != 0 || si.channel == SignInChannel::kNonInteractive) return;
  value_and_former(NoveltyKind::kDevice, si.device_hash, si.device_alias_hash);
  if (si.location_hash != 0) known_.Prefetch(key, NoveltyKind::kLocation, si.location_hash);
  if (const uint64_t country = code_rules::SignInNovelty::CountryOnlyKey(si); country != 0) {
    known_.Prefetch(key, NoveltyKind::kLocation, country);
  }
}

}  // namespace privmon
