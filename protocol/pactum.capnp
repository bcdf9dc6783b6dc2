@0xc1f2a9d7e4b36a01;
# pactum wire and signing schema, version 1. See docs/protocol.md.
