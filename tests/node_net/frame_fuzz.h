// Fuzz body of the transport's frame reader (FrameBuffer + decode_frame).
#pragma once

#include "base/base.h"

namespace pactum::node::net::fuzz {

// Feeds `data` to a FrameBuffer in chunks whose sizes the first byte picks,
// decodes every complete frame and checks: nothing throws; a frame that
// decodes re-encodes from its fields to bytes that decode again and re-encode
// to themselves (a fixed point), no longer than the input. Returns the
// number of frames that decoded. Aborts on a broken invariant.
std::size_t fuzz_frames(ByteSpan data);

}  // namespace pactum::node::net::fuzz
