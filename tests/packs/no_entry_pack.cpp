// A shared library that is no node pack: it lacks the drover_node_pack entry
// point.

extern "C" __attribute__((visibility("default"))) int not_a_node_pack() {
  return 42;
}
