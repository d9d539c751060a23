// json_equal A B: exit 0 when the two files hold equal JSON values, 1 when they differ
// (printing both), 2 when one cannot be read or parsed.
#include <fstream>
#include <iostream>

#include <nlohmann/json.hpp>

int main(int argc, char** argv) {
  if (argc != 3) {
    std::cerr << "usage: json_equal A.json B.json\n";
    return 2;
  }
  nlohmann::json docs[2];
  for (int i = 0; i < 2; ++i) {
    std::ifstream in(argv[i + 1]);
    if (!in) {
      std::cerr << "json_equal: cannot open " << argv[i + 1] << "\n";
      return 2;
    }
    try {
      docs[i] = nlohmann::json::parse(in);
    } catch (const std::exception& e) {
      std::cerr << "json_equal: " << argv[i + 1] << ": " << e.what() << "\n";
      return 2;
    }
  }
  if (docs[0] == docs[1]) return 0;
  std::cerr << "json_equal: values differ\n--- " << argv[1] << "\n"
            << docs[0].dump(2) << "\n--- " << argv[2] << "\n"
            << docs[1].dump(2) << "\n";
  return 1;
}
