// base: header-only basics every module shares.
//
// - Result<T> / Error / Errc: errors as values with stable numbered codes.
// - PACTUM_ASSERT: invariant checks that stay on in release builds.
// - checked_add/sub/mul/cast: integer arithmetic where overflow is an error.
// - Bytes, ByteSpan, hex and big-endian helpers.
//
// Everything here is pure: no I/O, no clock, no randomness, no globals, so the
// deterministic core may use all of it.
#pragma once

#include "base/assert.h"
#include "base/bytes.h"
#include "base/checked.h"
#include "base/errors.h"
#include "base/result.h"
