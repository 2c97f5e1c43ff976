#include "tenancy/jws.h"

#include <openssl/bio.h>
#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/ec.h>
#include <openssl/param_build.h>
#include <openssl/pem.h>

#include <vector>

#include "absl/strings/escaping.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "google/protobuf/util/json_util.h"

namespace cases::tenancy {
namespace {

constexpr size_t kEs256Half = 32;

struct BnDeleter {
  void operator()(BIGNUM* bn) const { BN_free(bn); }
};
using Bn = std::unique_ptr<BIGNUM, BnDeleter>;
struct BioDeleter {
  void operator()(BIO* bio) const { BIO_free(bio); }
};
using Bio = std::unique_ptr<BIO, BioDeleter>;
struct MdCtxDeleter {
  void operator()(EVP_MD_CTX* ctx) const { EVP_MD_CTX_free(ctx); }
};
using MdCtx = std::unique_ptr<EVP_MD_CTX, MdCtxDeleter>;
struct PkeyCtxDeleter {
  void operator()(EVP_PKEY_CTX* ctx) const { EVP_PKEY_CTX_free(ctx); }
};
using PkeyCtx = std::unique_ptr<EVP_PKEY_CTX, PkeyCtxDeleter>;
struct ParamBldDeleter {
  void operator()(OSSL_PARAM_BLD* b) const { OSSL_PARAM_BLD_free(b); }
};
struct ParamDeleter {
  void operator()(OSSL_PARAM* p) const { OSSL_PARAM_free(p); }
};
struct EcdsaSigDeleter {
  void operator()(ECDSA_SIG* s) const { ECDSA_SIG_free(s); }
};

std::shared_ptr<EVP_PKEY> Share(EVP_PKEY* key) {
  return std::shared_ptr<EVP_PKEY>(key, EVP_PKEY_free);
}

bool Base64UrlDecode(absl::string_view in, std::string* out) {
  // RFC 7515: base64url without padding.
  for (char c : in) {
    const bool ok = (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
                    c == '-' || c == '_';
    if (!ok) {
      return false;
    }
  }
  return absl::WebSafeBase64Unescape(in, out);
}

std::string Base64Url(absl::string_view in) { return absl::WebSafeBase64Escape(in); }

std::string StringField(const google::protobuf::Struct& s, const std::string& key) {
  auto it = s.fields().find(key);
  if (it == s.fields().end() || it->second.kind_case() != google::protobuf::Value::kStringValue) {
    return "";
  }
  return it->second.string_value();
}

// Which algorithm a key's type allows; false for any other key type or curve.
bool AlgorithmForKey(EVP_PKEY* key, JwsAlgorithm* alg) {
  switch (EVP_PKEY_get_base_id(key)) {
    case EVP_PKEY_RSA:
      if (EVP_PKEY_get_bits(key) < 2048) {
        return false;
      }
      *alg = JwsAlgorithm::kRs256;
      return true;
    case EVP_PKEY_EC: {
      char group[64] = {0};
      size_t len = 0;
      if (EVP_PKEY_get_utf8_string_param(key, OSSL_PKEY_PARAM_GROUP_NAME, group, sizeof(group),
                                         &len) != 1 ||
          std::string(group) != "prime256v1") {
        return false;
      }
      *alg = JwsAlgorithm::kEs256;
      return true;
    }
    case EVP_PKEY_ED25519:
      *alg = JwsAlgorithm::kEdDsa;
      return true;
    default:
      return false;
  }
}

absl::StatusOr<EvpKey> RsaFromJwk(const google::protobuf::Struct& jwk) {
  std::string n, e;
  if (!Base64UrlDecode(StringField(jwk, "n"), &n) || !Base64UrlDecode(StringField(jwk, "e"), &e) ||
      n.empty() || e.empty()) {
    return absl::InvalidArgumentError("RSA key needs n and e");
  }
  Bn bn_n(BN_bin2bn(reinterpret_cast<const unsigned char*>(n.data()), static_cast<int>(n.size()),
                    nullptr));
  Bn bn_e(BN_bin2bn(reinterpret_cast<const unsigned char*>(e.data()), static_cast<int>(e.size()),
                    nullptr));
  std::unique_ptr<OSSL_PARAM_BLD, ParamBldDeleter> bld(OSSL_PARAM_BLD_new());
  OSSL_PARAM_BLD_push_BN(bld.get(), OSSL_PKEY_PARAM_RSA_N, bn_n.get());
  OSSL_PARAM_BLD_push_BN(bld.get(), OSSL_PKEY_PARAM_RSA_E, bn_e.get());
  std::unique_ptr<OSSL_PARAM, ParamDeleter> params(OSSL_PARAM_BLD_to_param(bld.get()));
  PkeyCtx ctx(EVP_PKEY_CTX_new_from_name(nullptr, "RSA", nullptr));
  EVP_PKEY* key = nullptr;
  if (!ctx || EVP_PKEY_fromdata_init(ctx.get()) != 1 ||
      EVP_PKEY_fromdata(ctx.get(), &key, EVP_PKEY_PUBLIC_KEY, params.get()) != 1) {
    return absl::InvalidArgumentError("bad RSA key");
  }
  return EvpKey(key);
}

absl::StatusOr<EvpKey> EcFromJwk(const google::protobuf::Struct& jwk) {
  std::string x, y;
  if (StringField(jwk, "crv") != "P-256" || !Base64UrlDecode(StringField(jwk, "x"), &x) ||
      !Base64UrlDecode(StringField(jwk, "y"), &y) || x.size() != kEs256Half ||
      y.size() != kEs256Half) {
    return absl::InvalidArgumentError("EC key must be P-256 with 32-byte x and y");
  }
  std::string point = absl::StrCat("\x04", x, y);
  std::unique_ptr<OSSL_PARAM_BLD, ParamBldDeleter> bld(OSSL_PARAM_BLD_new());
  OSSL_PARAM_BLD_push_utf8_string(bld.get(), OSSL_PKEY_PARAM_GROUP_NAME, "prime256v1", 0);
  OSSL_PARAM_BLD_push_octet_string(bld.get(), OSSL_PKEY_PARAM_PUB_KEY, point.data(), point.size());
  std::unique_ptr<OSSL_PARAM, ParamDeleter> params(OSSL_PARAM_BLD_to_param(bld.get()));
  PkeyCtx ctx(EVP_PKEY_CTX_new_from_name(nullptr, "EC", nullptr));
  EVP_PKEY* key = nullptr;
  if (!ctx || EVP_PKEY_fromdata_init(ctx.get()) != 1 ||
      EVP_PKEY_fromdata(ctx.get(), &key, EVP_PKEY_PUBLIC_KEY, params.get()) != 1) {
    return absl::InvalidArgumentError("bad EC key (point not on the curve?)");
  }
  return EvpKey(key);
}

absl::StatusOr<EvpKey> OkpFromJwk(const google::protobuf::Struct& jwk) {
  std::string x;
  if (StringField(jwk, "crv") != "Ed25519" || !Base64UrlDecode(StringField(jwk, "x"), &x) ||
      x.size() != 32) {
    return absl::InvalidArgumentError("OKP key must be Ed25519 with a 32-byte x");
  }
  EVP_PKEY* key = EVP_PKEY_new_raw_public_key(
      EVP_PKEY_ED25519, nullptr, reinterpret_cast<const unsigned char*>(x.data()), x.size());
  if (key == nullptr) {
    return absl::InvalidArgumentError("bad Ed25519 key");
  }
  return EvpKey(key);
}

// ES256 signatures are r || s (32 bytes each) in JWS and DER in OpenSSL.
std::string RawToDer(absl::string_view raw) {
  std::unique_ptr<ECDSA_SIG, EcdsaSigDeleter> sig(ECDSA_SIG_new());
  BIGNUM* r = BN_bin2bn(reinterpret_cast<const unsigned char*>(raw.data()), kEs256Half, nullptr);
  BIGNUM* s = BN_bin2bn(reinterpret_cast<const unsigned char*>(raw.data()) + kEs256Half, kEs256Half,
                        nullptr);
  ECDSA_SIG_set0(sig.get(), r, s);
  unsigned char* der = nullptr;
  const int len = i2d_ECDSA_SIG(sig.get(), &der);
  std::string out(reinterpret_cast<char*>(der), len > 0 ? static_cast<size_t>(len) : 0);
  OPENSSL_free(der);
  return out;
}

std::string DerToRaw(const std::string& der) {
  const unsigned char* p = reinterpret_cast<const unsigned char*>(der.data());
  std::unique_ptr<ECDSA_SIG, EcdsaSigDeleter> sig(
      d2i_ECDSA_SIG(nullptr, &p, static_cast<long>(der.size())));
  if (!sig) {
    return "";
  }
  std::string out(2 * kEs256Half, '\0');
  BN_bn2binpad(ECDSA_SIG_get0_r(sig.get()), reinterpret_cast<unsigned char*>(out.data()),
               kEs256Half);
  BN_bn2binpad(ECDSA_SIG_get0_s(sig.get()),
               reinterpret_cast<unsigned char*>(out.data()) + kEs256Half, kEs256Half);
  return out;
}

const EVP_MD* DigestFor(JwsAlgorithm alg) {
  return alg == JwsAlgorithm::kEdDsa ? nullptr : EVP_sha256();
}

std::string ReadBio(BIO* bio) {
  char* data = nullptr;
  const long len = BIO_get_mem_data(bio, &data);
  return std::string(data, len > 0 ? static_cast<size_t>(len) : 0);
}

std::string BnField(EVP_PKEY* key, const char* name) {
  BIGNUM* bn = nullptr;
  if (EVP_PKEY_get_bn_param(key, name, &bn) != 1) {
    return "";
  }
  std::string out(static_cast<size_t>(BN_num_bytes(bn)), '\0');
  BN_bn2bin(bn, reinterpret_cast<unsigned char*>(out.data()));
  BN_free(bn);
  return Base64Url(out);
}

}  // namespace

const char* AlgorithmName(JwsAlgorithm alg) {
  switch (alg) {
    case JwsAlgorithm::kRs256:
      return "RS256";
    case JwsAlgorithm::kEs256:
      return "ES256";
    case JwsAlgorithm::kEdDsa:
      return "EdDSA";
  }
  return "";
}

bool ParseAlgorithm(absl::string_view name, JwsAlgorithm* alg) {
  for (JwsAlgorithm a : {JwsAlgorithm::kRs256, JwsAlgorithm::kEs256, JwsAlgorithm::kEdDsa}) {
    if (name == AlgorithmName(a)) {
      *alg = a;
      return true;
    }
  }
  return false;
}

bool ParseJsonObject(absl::string_view json, google::protobuf::Struct* out) {
  if (json.empty() || json.front() != '{') {
    return false;
  }
  return google::protobuf::util::JsonStringToMessage(std::string(json), out).ok();
}

absl::StatusOr<ParsedJws> ParseJws(absl::string_view compact) {
  std::vector<absl::string_view> parts = absl::StrSplit(compact, '.');
  if (parts.size() != 3 || parts[0].empty() || parts[1].empty() || parts[2].empty()) {
    return absl::InvalidArgumentError("not a compact JWS (three base64url parts)");
  }
  ParsedJws jws;
  std::string header_json, payload_json;
  if (!Base64UrlDecode(parts[0], &header_json) || !Base64UrlDecode(parts[1], &payload_json) ||
      !Base64UrlDecode(parts[2], &jws.signature)) {
    return absl::InvalidArgumentError("bad base64url");
  }
  if (!ParseJsonObject(header_json, &jws.header) || !ParseJsonObject(payload_json, &jws.payload)) {
    return absl::InvalidArgumentError("header and payload must be JSON objects");
  }
  const std::string alg = StringField(jws.header, "alg");
  if (!ParseAlgorithm(alg, &jws.algorithm)) {
    return absl::InvalidArgumentError(
        absl::StrCat("algorithm '", alg.substr(0, 16), "' is not allowed (RS256, ES256, EdDSA)"));
  }
  if (jws.header.fields().count("crit") != 0) {
    return absl::InvalidArgumentError("critical header extensions are not supported");
  }
  jws.kid = StringField(jws.header, "kid");
  jws.signing_input = absl::StrCat(parts[0], ".", parts[1]);
  return jws;
}

absl::Status VerifyJws(const ParsedJws& jws, const VerificationKey& key) {
  if (jws.algorithm != key.algorithm) {
    return absl::InvalidArgumentError("algorithm does not match the key");
  }
  std::string signature = jws.signature;
  if (key.algorithm == JwsAlgorithm::kEs256) {
    if (signature.size() != 2 * kEs256Half) {
      return absl::InvalidArgumentError("bad signature");
    }
    signature = RawToDer(signature);
  }
  MdCtx ctx(EVP_MD_CTX_new());
  if (!ctx ||
      EVP_DigestVerifyInit(ctx.get(), nullptr, DigestFor(key.algorithm), nullptr, key.key.get()) !=
          1 ||
      EVP_DigestVerify(ctx.get(), reinterpret_cast<const unsigned char*>(signature.data()),
                       signature.size(),
                       reinterpret_cast<const unsigned char*>(jws.signing_input.data()),
                       jws.signing_input.size()) != 1) {
    return absl::InvalidArgumentError("bad signature");
  }
  return absl::OkStatus();
}

absl::StatusOr<std::string> SignJws(const SigningKey& key, absl::string_view kid,
                                    absl::string_view payload_json) {
  std::string header =
      absl::StrCat("{\"alg\":\"", AlgorithmName(key.algorithm), "\",\"typ\":\"JWT\"");
  if (!kid.empty()) {
    absl::StrAppend(&header, ",\"kid\":\"", kid, "\"");
  }
  header += "}";
  const std::string input = absl::StrCat(Base64Url(header), ".", Base64Url(payload_json));
  MdCtx ctx(EVP_MD_CTX_new());
  size_t len = 0;
  if (!ctx ||
      EVP_DigestSignInit(ctx.get(), nullptr, DigestFor(key.algorithm), nullptr, key.key.get()) !=
          1 ||
      EVP_DigestSign(ctx.get(), nullptr, &len, reinterpret_cast<const unsigned char*>(input.data()),
                     input.size()) != 1) {
    return absl::InternalError("sign failed");
  }
  std::string signature(len, '\0');
  if (EVP_DigestSign(ctx.get(), reinterpret_cast<unsigned char*>(signature.data()), &len,
                     reinterpret_cast<const unsigned char*>(input.data()), input.size()) != 1) {
    return absl::InternalError("sign failed");
  }
  signature.resize(len);
  if (key.algorithm == JwsAlgorithm::kEs256) {
    signature = DerToRaw(signature);
  }
  return absl::StrCat(input, ".", Base64Url(signature));
}

absl::StatusOr<std::map<std::string, VerificationKey>> ParseJwks(absl::string_view json) {
  google::protobuf::Struct jwks;
  if (!ParseJsonObject(json, &jwks)) {
    return absl::InvalidArgumentError("JWKS is not a JSON object");
  }
  auto keys_it = jwks.fields().find("keys");
  if (keys_it == jwks.fields().end() || !keys_it->second.has_list_value()) {
    return absl::InvalidArgumentError("JWKS has no keys array");
  }
  std::map<std::string, VerificationKey> out;
  for (const auto& value : keys_it->second.list_value().values()) {
    if (!value.has_struct_value()) {
      return absl::InvalidArgumentError("JWKS key is not an object");
    }
    const auto& jwk = value.struct_value();
    const std::string kid = StringField(jwk, "kid");
    const std::string kty = StringField(jwk, "kty");
    if (kid.empty()) {
      return absl::InvalidArgumentError("JWKS key without kid");
    }
    absl::StatusOr<EvpKey> key = kty == "RSA"  ? RsaFromJwk(jwk)
                                 : kty == "EC" ? EcFromJwk(jwk)
                                 : kty == "OKP"
                                     ? OkpFromJwk(jwk)
                                     : absl::StatusOr<EvpKey>(absl::InvalidArgumentError(
                                           absl::StrCat("key type '", kty, "' is not allowed")));
    if (!key.ok()) {
      return absl::InvalidArgumentError(
          absl::StrCat("JWKS key ", kid, ": ", key.status().message()));
    }
    VerificationKey vk;
    if (!AlgorithmForKey(key->get(), &vk.algorithm)) {
      return absl::InvalidArgumentError(absl::StrCat("JWKS key ", kid, ": unsupported key"));
    }
    const std::string alg = StringField(jwk, "alg");
    if (!alg.empty() && alg != AlgorithmName(vk.algorithm)) {
      return absl::InvalidArgumentError(
          absl::StrCat("JWKS key ", kid, ": alg does not match its type"));
    }
    vk.key = Share(key->release());
    out[kid] = std::move(vk);
  }
  return out;
}

absl::StatusOr<VerificationKey> ParsePublicKeyPem(absl::string_view pem) {
  Bio bio(BIO_new_mem_buf(pem.data(), static_cast<int>(pem.size())));
  EVP_PKEY* key = PEM_read_bio_PUBKEY(bio.get(), nullptr, nullptr, nullptr);
  if (key == nullptr) {
    return absl::InvalidArgumentError("not a PEM public key");
  }
  VerificationKey vk;
  vk.key = Share(key);
  if (!AlgorithmForKey(key, &vk.algorithm)) {
    return absl::InvalidArgumentError("public key must be RSA >= 2048, EC P-256 or Ed25519");
  }
  return vk;
}

absl::StatusOr<SigningKey> ParsePrivateKeyPem(absl::string_view pem) {
  Bio bio(BIO_new_mem_buf(pem.data(), static_cast<int>(pem.size())));
  EVP_PKEY* key = PEM_read_bio_PrivateKey(bio.get(), nullptr, nullptr, nullptr);
  if (key == nullptr) {
    return absl::InvalidArgumentError("not a PEM private key");
  }
  SigningKey sk;
  sk.key = Share(key);
  if (!AlgorithmForKey(key, &sk.algorithm)) {
    return absl::InvalidArgumentError("private key must be RSA >= 2048, EC P-256 or Ed25519");
  }
  return sk;
}

absl::StatusOr<SigningKey> GenerateSigningKey(JwsAlgorithm alg) {
  EVP_PKEY* key = nullptr;
  switch (alg) {
    case JwsAlgorithm::kRs256:
      key = EVP_RSA_gen(2048);
      break;
    case JwsAlgorithm::kEs256:
      key = EVP_EC_gen("P-256");
      break;
    case JwsAlgorithm::kEdDsa:
      key = EVP_PKEY_Q_keygen(nullptr, nullptr, "ED25519");
      break;
  }
  if (key == nullptr) {
    return absl::InternalError("key generation failed");
  }
  return SigningKey{alg, Share(key)};
}

std::string PrivateKeyPem(const SigningKey& key) {
  Bio bio(BIO_new(BIO_s_mem()));
  PEM_write_bio_PrivateKey(bio.get(), key.key.get(), nullptr, nullptr, 0, nullptr, nullptr);
  return ReadBio(bio.get());
}

std::string PublicKeyPem(const SigningKey& key) {
  Bio bio(BIO_new(BIO_s_mem()));
  PEM_write_bio_PUBKEY(bio.get(), key.key.get());
  return ReadBio(bio.get());
}

std::string PublicJwk(const SigningKey& key, absl::string_view kid) {
  EVP_PKEY* pkey = key.key.get();
  const std::string head = absl::StrCat("{\"kid\":\"", kid, "\",\"alg\":\"",
                                        AlgorithmName(key.algorithm), "\",\"use\":\"sig\",");
  switch (key.algorithm) {
    case JwsAlgorithm::kRs256:
      return absl::StrCat(head, "\"kty\":\"RSA\",\"n\":\"", BnField(pkey, OSSL_PKEY_PARAM_RSA_N),
                          "\",\"e\":\"", BnField(pkey, OSSL_PKEY_PARAM_RSA_E), "\"}");
    case JwsAlgorithm::kEs256: {
      unsigned char point[65];
      size_t len = 0;
      EVP_PKEY_get_octet_string_param(pkey, OSSL_PKEY_PARAM_ENCODED_PUBLIC_KEY, point,
                                      sizeof(point), &len);
      const absl::string_view raw(reinterpret_cast<const char*>(point), len);
      return absl::StrCat(head, "\"kty\":\"EC\",\"crv\":\"P-256\",\"x\":\"",
                          Base64Url(raw.substr(1, kEs256Half)), "\",\"y\":\"",
                          Base64Url(raw.substr(1 + kEs256Half, kEs256Half)), "\"}");
    }
    case JwsAlgorithm::kEdDsa: {
      unsigned char raw[32];
      size_t len = sizeof(raw);
      EVP_PKEY_get_raw_public_key(pkey, raw, &len);
      return absl::StrCat(head, "\"kty\":\"OKP\",\"crv\":\"Ed25519\",\"x\":\"",
                          Base64Url(absl::string_view(reinterpret_cast<const char*>(raw), len)),
                          "\"}");
    }
  }
  return "";
}

}  // namespace cases::tenancy
