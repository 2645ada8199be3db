// libbaton.so is baton_api (whole) and what it links; see CMakeLists.txt.
