// SPDX-License-Identifier: Apache-2.0
#include "harness/scenario/stepped_engine.h"

#include <utility>

#include "harness/engine/seeded_random.h"
#include "harness/scenario/udp_driver.h"

namespace ikeh::scenario {

core::Result<std::unique_ptr<SteppedEngine>> SteppedEngine::create(EndpointConfig config,
                                                                   SteppedEngineOptions options,
                                                                   std::shared_ptr<core::VirtualClock> clock) {
  std::unique_ptr<SteppedEngine> s(new SteppedEngine());
  s->clock_ = clock ? std::move(clock) : std::make_shared<core::VirtualClock>();
  s->network_ = std::move(config.network);
  if (options.local) {
    s->local_ = *options.local;
  } else {
    auto address = address_bytes(s->network_.local_address);
    if (!address) return core::make_error("network.local_address", address.error().reason);
    s->local_ = engine::Endpoint{std::move(address).value(), s->network_.local_port};
  }
  s->natt_port_ = options.natt_port.value_or(s->network_.local_natt_port.value_or(4500));

  SteppedEngine* self = s.get();
  engine::EngineEnv env;
  env.clock = s->clock_.get();
  env.random = options.seed ? engine::seeded_random(*options.seed) : engine::system_random();
  env.local = s->local_;
  env.natt_port = s->natt_port_;
  env.name = options.name;
  env.export_keys = options.export_keys;
  env.send = [self](const engine::Route& to, core::BytesView message) {
    SteppedDatagram d;
    d.data.assign(message.begin(), message.end());
    d.source = self->local_;
    if (to.natt) d.source.port = self->natt_port_;
    d.destination = to;
    d.time = self->clock_->now();
    self->queue_.push_back(std::move(d));
  };
  auto created = engine::Engine::create(std::move(config.engine), std::move(env));
  if (!created) return created.error();
  s->engine_ = std::move(created).value();
  if (options.keep_events) s->engine_->add_observer([self](const engine::Event& e) { self->events_.push_back(e); });
  return s;
}

core::Result<std::unique_ptr<SteppedEngine>> SteppedEngine::create(engine::EngineConfig config,
                                                                   SteppedEngineOptions options,
                                                                   std::shared_ptr<core::VirtualClock> clock) {
  EndpointConfig endpoint;
  endpoint.engine = std::move(config);
  return create(std::move(endpoint), std::move(options), std::move(clock));
}

SteppedEngine::~SteppedEngine() = default;

core::Result<uint64_t> SteppedEngine::initiate() {
  if (!network_.remote_address)
    return core::make_error("network.remote_address", "not set: give the peer's address to initiate");
  auto address = address_bytes(*network_.remote_address);
  if (!address) return core::make_error("network.remote_address", address.error().reason);
  return engine_->initiate(engine::Endpoint{std::move(address).value(), network_.remote_port},
                           network_.remote_natt_port);
}

std::vector<SteppedDatagram> SteppedEngine::take() {
  std::vector<SteppedDatagram> out;
  out.swap(queue_);
  return out;
}

void SteppedEngine::receive(core::BytesView message, const engine::Route& from) { engine_->receive(message, from); }

void SteppedEngine::receive(const SteppedDatagram& datagram) {
  engine_->receive(datagram.data, engine::Route{datagram.source, datagram.destination.natt});
}

}  // namespace ikeh::scenario
