@0xbd67994424e4b59b;
using Cxx = import "/capnp/c++.capnp";
$Cxx.namespace("pactum::wire::frame");
# Node-to-node transport frames (node/net). Byte grammar: docs/transport.md.
#
# On a TLS 1.3 connection between two partner nodes each frame is
#   length (4 bytes, big-endian, unsigned) || canonical Cap'n Proto of Frame
# where `length` counts the Frame bytes only and is at most
# node/net/limits.h kFrameBytesMax. Frames are not signed (TLS authenticates
# the connection); the payloads they carry are signed Envelopes whose
# signatures the node core checks. A receiver closes the connection on any
# frame that is oversized, not canonical, or not valid against this schema.
#
# Persisted: none of these structs is stored; ordinals and enum values are
# part of the wire protocol, so never change or reorder them; append only.

struct Frame {
  union {
    hello @0 :Hello;
    # First frame in each direction. The dialing side sends first; the
    # accepting side answers only after admitting the dialer.
    heartbeat @1 :Heartbeat;
    # Sent when nothing else was written for a heartbeat interval.
    deliver @2 :Deliver;
    # One payload of the sender's outbound stream.
    ack @3 :Ack;
    # Cumulative acknowledgement of the receiver's inbound stream.
    close @4 :Close;
    # Last frame before an orderly close.
    refuse @5 :Refuse;
    # The receiver did not hand one delivered payload to its node core and
    # says why (a typed answer, not a silent drop). The payload's sequence
    # number is acknowledged like any other: a refusal is final.
  }
}

struct Hello {
  protocolVersion @0 :UInt16;
  # Transport protocol version; 1.
  nodeCertificate @1 :Data;
  # The sender's NodeCertificate Envelope (canonical wire bytes, pactum.capnp),
  # signed by its org root; its nodeKey must equal the TLS certificate's key.
  latestCheckpoint @2 :Data;
  # The sender's latest signed checkpoint (opaque to the transport; may be empty).
  streamId @3 :UInt64;
  # Random id of the sender's outbound stream (its outbox). Sequence numbers
  # are per (stream, receiver); a new id restarts them at 1.
}

struct Heartbeat {
  sentMs @0 :Int64;
  # Sender's clock, informative only (never trusted).
}

struct Deliver {
  seq @0 :UInt64;
  # Sequence number in the sender's stream to this receiver; starts at 1,
  # increases by 1 per payload.
  payload @1 :Data;
  # Opaque payload (a canonical Envelope), at most kPayloadBytesMax bytes.
}

struct Ack {
  streamId @0 :UInt64;
  # The stream being acknowledged (the peer's Hello.streamId).
  seq @1 :UInt64;
  # Every payload with sequence number <= seq was delivered and persisted.
}

struct Close {
  reason @0 :UInt8;
  # node/net transport.h CloseReason value.
  detail @1 :Text;
  # One line for logs; at most 256 bytes.
}

struct Refuse {
  seq @0 :UInt64;
  # Sequence number (in the refusing side's inbound window of our stream) of
  # the refused Deliver.
  reason @1 :UInt8;
  # node/net transport.h PayloadRefusal value.
  detail @2 :Text;
  # One line for logs; at most 256 bytes.
}
