// The one translation unit that compiles Asio and Beast themselves
// (BOOST_ASIO_SEPARATE_COMPILATION, BOOST_BEAST_SEPARATE_COMPILATION): every
// other file of the gateway and its tests includes only their declarations,
// which keeps the cost of a Beast TU down (stack.md §4).
#include <boost/asio/impl/src.hpp>
#include <boost/beast/src.hpp>
