// SPDX-License-Identifier: Apache-2.0
// A throwaway PKI made at test time with the `openssl` command-line tool (a
// tool we did not write), for tests of certificate handling: keys, CSRs and
// certificates in a fresh temporary folder, signed with the extensions of a
// section of the given openssl configuration. Header-only, test code only.
#pragma once

#include <unistd.h>

#include <cstdlib>
#include <fstream>
#include <iterator>
#include <string>

namespace ikeh::testing_support {

class OpenSslPki {
 public:
  std::string dir;
  std::string error;  // set when the tool failed; later calls then do nothing

  // Makes the folder (/tmp/<prefix>-XXXXXX) and writes `config` as its
  // openssl configuration "cfg". Sets error when mkdtemp fails or the tool
  // is missing.
  void create(const std::string& prefix, const char* config) {
    std::string tmpl = "/tmp/" + prefix + "-XXXXXX";
    if (!mkdtemp(tmpl.data())) {
      error = "mkdtemp failed";
      return;
    }
    dir = tmpl;
    if (std::system("openssl version >/dev/null 2>&1") != 0) {
      error = "the openssl command line tool is not installed";
      return;
    }
    std::ofstream(dir + "/cfg") << config;
  }

  // Runs `cmd` in the folder, its output appended to openssl.log.
  int sh(const std::string& cmd) const {
    return std::system(("cd '" + dir + "' && (" + cmd + ") >>openssl.log 2>&1").c_str());
  }

  std::string read(const std::string& file) const {
    std::ifstream in(dir + "/" + file, std::ios::binary);
    return std::string(std::istreambuf_iterator<char>(in), {});
  }

  // <name>.key (key "rsa" for RSA 2048, else an EC curve such as "P-256")
  // and <name>.pem with the extensions of `section`: self-signed when `ca`
  // is empty, else signed by <ca>.pem/<ca>.key. `validity` is "-days N" for
  // a certificate valid from now, or "-startdate ... -enddate ..." for
  // exactly that period (signed by `openssl ca` then). False, with error
  // set to the tool's log, when openssl fails.
  bool issue(const std::string& name, const std::string& key, const std::string& subject, const std::string& ca,
             const std::string& section, const std::string& validity = "-days 30") {
    if (!error.empty()) return false;
    const std::string newkey = (key == "rsa" ? "-newkey rsa:2048" : "-newkey ec -pkeyopt ec_paramgen_curve:" + key) +
                               " -nodes -keyout " + name + ".key";
    const bool dated = validity.rfind("-days", 0) != 0;
    int rc = 0;
    if (ca.empty() && !dated) {
      rc = sh("openssl req -x509 -new " + newkey + " -out " + name + ".pem " + validity + " -sha256 -subj '" +
              subject + "' -config cfg -extensions " + section);
    } else {
      rc = sh("openssl req -new " + newkey + " -out " + name + ".csr -subj '" + subject + "' -config cfg");
      if (rc == 0 && dated)
        rc = sh("touch index.txt && (test -f ca.serial || echo 01 > ca.serial) && openssl ca -batch -notext "
                "-preserveDN -config cfg -cert " + ca + ".pem -keyfile " + ca + ".key -in " + name + ".csr -out " +
                name + ".pem -extensions " + section + " " + validity);
      else if (rc == 0)
        rc = sh("openssl x509 -req -in " + name + ".csr -CA " + ca + ".pem -CAkey " + ca +
                ".key -CAcreateserial -out " + name + ".pem " + validity + " -sha256 -extfile cfg -extensions " +
                section);
    }
    if (rc != 0) {
      error = "openssl failed making " + name + ": " + read("openssl.log");
      return false;
    }
    return true;
  }
};

}  // namespace ikeh::testing_support
