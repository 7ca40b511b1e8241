#pragma once

// drover's public node API: everything a node pack includes to define node
// classes. The headers below are the API; docs/node-packs.md states their
// contracts. Changing the layout or meaning of anything they declare bumps
// `node_api_version` (worker/node_api/node_pack.hpp).

#include "actors/error.hpp"
#include "actors/json.hpp"
#include "actors/result.hpp"
#include "worker/node_api/node_pack.hpp"
#include "worker/node_call.hpp"
#include "worker/node_definition.hpp"
#include "worker/node_environment.hpp"
#include "worker/node_registry.hpp"
#include "worker/node_value.hpp"
#include "worker/tensor.hpp"
