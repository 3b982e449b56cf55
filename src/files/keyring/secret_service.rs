//! The freedesktop Secret Service (gnome-keyring, KeePassXC, KWallet's bridge) over `bus`:
//! the session is opened with the same key exchange libsecret uses
//! (`dh-ietf1024-sha256-aes128-cbc-pkcs7`), so secrets cross the bus encrypted; items are
//! found by the `service` and `username` attributes the `keyring` crate gave them. Locked
//! items are unlocked (the service's own prompt) only when the caller allows it.

use super::bus::{Bus, Call, Fault, SIGNAL};
use num_bigint::BigUint;
use std::collections::HashMap;
use std::time::Instant;
use zvariant::{ObjectPath, OwnedObjectPath, OwnedValue, Value};

const DEST: &str = "org.freedesktop.secrets";
const SERVICE_PATH: &str = "/org/freedesktop/secrets";
const SERVICE: &str = "org.freedesktop.Secret.Service";
const ITEM: &str = "org.freedesktop.Secret.Item";
const PROMPT: &str = "org.freedesktop.Secret.Prompt";
const ALGORITHM: &str = "dh-ietf1024-sha256-aes128-cbc-pkcs7";
/// What the items hold, as the `keyring` crate wrote them.
const CONTENT_TYPE: &str = "application/octet-stream";

/// The Second Oakley Group (RFC 2409 §6.2), generator 2: the group the algorithm names.
const PRIME: &str = "FFFFFFFFFFFFFFFFC90FDAA22168C234C4C6628B80DC1CD129024E088A67CC74020BBEA63B139B22514A08798E3404DDEF9519B3CD3A431B302B0A6DF25F14374FE1356D6D51C245E485B576625E7EC6F44C42E9A637ED6B0BFF5CB6F406B7EDEE386BFB5A899FA5AE9F24117C4B1FE649286651ECE65381FFFFFFFFFFFFFFFF";

/// A secret as the service carries it: session, parameters (the IV), value, content type.
type Secret = (OwnedObjectPath, Vec<u8>, Vec<u8>, String);

/// What went wrong, beyond the bus.
pub enum Failure {
    Bus(Fault),
    /// Locked items, and unlocking was not allowed.
    Locked,
    /// The unlock prompt was dismissed.
    Dismissed,
    /// Nobody answered the unlock prompt in the time the user has.
    Unanswered,
    /// The service gave something this client cannot use.
    Garbled(&'static str),
}

impl From<Fault> for Failure {
    fn from(f: Fault) -> Failure {
        Failure::Bus(f)
    }
}

/// A fault of a step that waits for the user (bounded by the unlock wait, not the run's
/// timeout): its deadline passing means nobody answered.
fn asked(f: Fault) -> Failure {
    match f {
        Fault::Timeout => Failure::Unanswered,
        f => Failure::Bus(f),
    }
}

pub type Outcome<T> = Result<T, Failure>;

fn service(member: &str) -> Call<'_> {
    Call {
        destination: DEST,
        path: SERVICE_PATH,
        interface: SERVICE,
        member,
    }
}

/// The session's AES-128 key, from the shared secret as the algorithm says: HKDF-SHA256, no
/// salt, no info, over the secret's 128 big-endian bytes.
fn session_key(shared: &BigUint) -> [u8; 16] {
    let bytes = shared.to_bytes_be();
    let mut ikm = vec![0u8; 128usize.saturating_sub(bytes.len())];
    ikm.extend_from_slice(&bytes);
    let mut key = [0u8; 16];
    hkdf::Hkdf::<sha2::Sha256>::new(None, &ikm)
        .expand(&[], &mut key)
        .expect("16 bytes is a valid HKDF length");
    key
}

fn encrypt(key: &[u8; 16], iv: &[u8; 16], data: &[u8]) -> Vec<u8> {
    use aes::cipher::{BlockModeEncrypt, KeyIvInit, block_padding::Pkcs7};
    cbc::Encryptor::<aes::Aes128>::new(key.into(), iv.into()).encrypt_padded_vec::<Pkcs7>(data)
}

fn decrypt(key: &[u8; 16], iv: &[u8], data: &[u8]) -> Option<Vec<u8>> {
    use aes::cipher::{BlockModeDecrypt, KeyIvInit, block_padding::Pkcs7};
    let iv: &[u8; 16] = iv.try_into().ok()?;
    cbc::Decryptor::<aes::Aes128>::new(key.into(), iv.into())
        .decrypt_padded_vec::<Pkcs7>(data)
        .ok()
}

pub struct SecretService {
    bus: Bus,
    /// The encrypted session once its key is agreed; before that, the OpenSession call in
    /// flight and awsmfa's private exponent.
    session: Option<(OwnedObjectPath, [u8; 16])>,
    opening: Option<(u32, BigUint)>,
}

/// An item's search result: the unlocked paths, then the locked ones.
pub type Found = (Vec<OwnedObjectPath>, Vec<OwnedObjectPath>);

/// The Second Oakley Group's prime.
fn prime() -> BigUint {
    BigUint::parse_bytes(PRIME.as_bytes(), 16).expect("the prime parses")
}

impl SecretService {
    /// Connects and asks for an encrypted session, within `deadline`, without waiting: the
    /// service's side of the key exchange (most of a keyring run's time) then overlaps the
    /// calls sent after it and awsmfa's own side. `ready` completes it.
    pub fn open(deadline: Instant) -> Outcome<SecretService> {
        let mut bus = Bus::session(deadline)?;
        // 256 random bits: the group offers about 80 bits of security, which a private exponent
        // of twice that already reaches (NIST SP 800-57); each modpow then costs a quarter of
        // one with a 1024-bit exponent.
        let mut private = [0u8; 32];
        getrandom::fill(&mut private).map_err(|_| Failure::Garbled("no random numbers"))?;
        let private = BigUint::from_bytes_be(&private);
        let public = BigUint::from(2u8).modpow(&private, &prime());
        let input = Value::from(public.to_bytes_be());
        let serial = bus.send(&service("OpenSession"), "sv", &(ALGORITHM, input), deadline)?;
        Ok(SecretService {
            bus,
            session: None,
            opening: Some((serial, private)),
        })
    }

    /// Whether the session was asked for and refused: a new connection may do better.
    pub fn unopened(&self) -> bool {
        self.session.is_none() && self.opening.is_none()
    }

    /// The session's path and key, waiting for the service's half of the exchange if need be.
    fn ready(&mut self, deadline: Instant) -> Outcome<(OwnedObjectPath, [u8; 16])> {
        if let Some((serial, private)) = self.opening.take() {
            let reply = self.bus.answer(serial, deadline)?;
            let (output, path): (OwnedValue, OwnedObjectPath) = reply.body()?;
            let theirs = Vec::<u8>::try_from(output)
                .map_err(|_| Failure::Garbled("the service's public key is not bytes"))?;
            let theirs = BigUint::from_bytes_be(&theirs);
            let prime = prime();
            if theirs <= BigUint::from(1u8) || theirs >= &prime - 1u8 {
                return Err(Failure::Garbled("the service's public key is out of range"));
            }
            self.session = Some((path, session_key(&theirs.modpow(&private, &prime))));
        }
        self.session
            .clone()
            .ok_or(Failure::Garbled("the Secret Service opened no session"))
    }

    /// The items of each attribute set, the searches sent back to back.
    pub fn search(
        &mut self,
        queries: &[[(&str, &str); 2]],
        deadline: Instant,
    ) -> Outcome<Vec<Found>> {
        let mut serials = Vec::new();
        for q in queries {
            let attrs: HashMap<&str, &str> = q.iter().copied().collect();
            serials.push(
                self.bus
                    .send(&service("SearchItems"), "a{ss}", &attrs, deadline)?,
            );
        }
        // The key is worked out while the service searches.
        self.ready(deadline)?;
        let mut found = Vec::new();
        for serial in serials {
            found.push(self.bus.answer(serial, deadline)?.body::<Found>()?);
        }
        Ok(found)
    }

    /// The secrets of unlocked `items`, in one call.
    pub fn secrets(
        &mut self,
        items: &[OwnedObjectPath],
        deadline: Instant,
    ) -> Outcome<HashMap<OwnedObjectPath, Vec<u8>>> {
        if items.is_empty() {
            return Ok(HashMap::new());
        }
        let (session, key) = self.ready(deadline)?;
        let paths: Vec<&ObjectPath> = items.iter().map(|p| &**p).collect();
        let session: &ObjectPath = &session;
        let reply = self
            .bus
            .call(&service("GetSecrets"), "aoo", &(paths, session), deadline)?;
        let secrets: HashMap<OwnedObjectPath, Secret> = reply.body()?;
        let mut plain = HashMap::new();
        for (item, (_, iv, value, _)) in secrets {
            let text =
                decrypt(&key, &iv, &value).ok_or(Failure::Garbled("a secret did not decrypt"))?;
            plain.insert(item, text);
        }
        Ok(plain)
    }

    fn wrap(&mut self, secret: &[u8], deadline: Instant) -> Outcome<Secret> {
        let (session, key) = self.ready(deadline)?;
        let mut iv = [0u8; 16];
        getrandom::fill(&mut iv).map_err(|_| Failure::Garbled("no random numbers"))?;
        let value = encrypt(&key, &iv, secret);
        Ok((session, iv.to_vec(), value, CONTENT_TYPE.to_string()))
    }

    /// Replaces the secret of the unlocked `item`.
    pub fn set(&mut self, item: &str, secret: &[u8], deadline: Instant) -> Outcome<()> {
        let wrapped = self.wrap(secret, deadline)?;
        let call = Call {
            destination: DEST,
            path: item,
            interface: ITEM,
            member: "SetSecret",
        };
        self.bus.call(&call, "(oayays)", &(wrapped,), deadline)?;
        Ok(())
    }

    /// Creates an item in the default collection (replacing one with the same attributes),
    /// unlocking the collection first if `unlock` allows.
    pub fn create(
        &mut self,
        label: &str,
        attributes: &[(&str, &str); 2],
        secret: &[u8],
        unlock: Option<Instant>,
        deadline: Instant,
    ) -> Outcome<()> {
        let alias = self.default_collection(unlock, deadline)?;
        let attrs: HashMap<&str, &str> = attributes.iter().copied().collect();
        let props: HashMap<&str, Value> = [
            ("org.freedesktop.Secret.Item.Label", Value::from(label)),
            ("org.freedesktop.Secret.Item.Attributes", Value::from(attrs)),
        ]
        .into();
        let wrapped = self.wrap(secret, deadline)?;
        let create = Call {
            destination: DEST,
            path: alias.as_str(),
            interface: "org.freedesktop.Secret.Collection",
            member: "CreateItem",
        };
        let reply = self
            .bus
            .call(&create, "a{sv}(oayays)b", &(props, wrapped, true), deadline)?;
        let (_, prompt): (OwnedObjectPath, OwnedObjectPath) = reply.body()?;
        self.prompt(prompt.as_str(), unlock)
    }

    /// The default collection, where new items go, unlocked first if `unlock` allows.
    pub fn default_collection(
        &mut self,
        unlock: Option<Instant>,
        deadline: Instant,
    ) -> Outcome<OwnedObjectPath> {
        let alias = self
            .bus
            .call(&service("ReadAlias"), "s", &"default", deadline)?
            .body::<OwnedObjectPath>()?;
        if alias.as_str() == "/" {
            return Err(Failure::Garbled(
                "the Secret Service has no default collection",
            ));
        }
        let get = Call {
            destination: DEST,
            path: alias.as_str(),
            interface: "org.freedesktop.DBus.Properties",
            member: "Get",
        };
        let locked = self
            .bus
            .call(
                &get,
                "ss",
                &("org.freedesktop.Secret.Collection", "Locked"),
                deadline,
            )?
            .body::<OwnedValue>()?;
        if bool::try_from(locked).unwrap_or(true) {
            self.unlock(std::slice::from_ref(&alias), unlock)?;
        }
        Ok(alias)
    }

    /// Deletes the unlocked `item`.
    pub fn delete(
        &mut self,
        item: &str,
        unlock: Option<Instant>,
        deadline: Instant,
    ) -> Outcome<()> {
        let call = Call {
            destination: DEST,
            path: item,
            interface: ITEM,
            member: "Delete",
        };
        let prompt = self.bus.call(&call, "", &(), deadline)?;
        let prompt = prompt.body::<OwnedObjectPath>()?;
        self.prompt(prompt.as_str(), unlock)
    }

    /// Unlocks `objects`, asking the user through the service's prompt when `until` allows
    /// (the time the user has to answer); refused without it.
    pub fn unlock(&mut self, objects: &[OwnedObjectPath], until: Option<Instant>) -> Outcome<()> {
        let Some(until) = until else {
            return Err(Failure::Locked);
        };
        let paths: Vec<&ObjectPath> = objects.iter().map(|p| &**p).collect();
        let reply = self
            .bus
            .call(&service("Unlock"), "ao", &(paths,), until)
            .map_err(asked)?;
        let (_, prompt): (Vec<OwnedObjectPath>, OwnedObjectPath) = reply.body()?;
        self.prompt(prompt.as_str(), Some(until))
    }

    /// Runs the service's prompt `at` ("/" for none) and waits for its end until `until`. Any
    /// peer on the bus may send awsmfa a `Completed` signal: only the one from the connection
    /// that answered the Prompt call (the service's) ends the wait.
    fn prompt(&mut self, at: &str, until: Option<Instant>) -> Outcome<()> {
        if at == "/" {
            return Ok(());
        }
        let Some(until) = until else {
            return Err(Failure::Locked);
        };
        let rule = format!("type='signal',interface='{PROMPT}',member='Completed',path='{at}'");
        let add = Call {
            destination: "org.freedesktop.DBus",
            path: "/org/freedesktop/DBus",
            interface: "org.freedesktop.DBus",
            member: "AddMatch",
        };
        self.bus
            .call(&add, "s", &rule.as_str(), until)
            .map_err(asked)?;
        let call = Call {
            destination: DEST,
            path: at,
            interface: PROMPT,
            member: "Prompt",
        };
        let service = self.bus.call(&call, "s", &"", until).map_err(asked)?.sender;
        loop {
            let msg = match self.bus.signals.pop() {
                Some(msg) => msg,
                None => self.bus.read(until).map_err(asked)?,
            };
            if msg.kind == SIGNAL
                && msg.sender == service
                && msg.interface == PROMPT
                && msg.member == "Completed"
                && msg.path == at
            {
                let (dismissed, _): (bool, OwnedValue) = msg.body()?;
                return if dismissed {
                    Err(Failure::Dismissed)
                } else {
                    Ok(())
                };
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Both sides of the exchange reach the same key, and a secret survives the round trip.
    #[test]
    fn key_exchange_and_cipher() {
        let prime = prime();
        assert_eq!(prime.bits(), 1024);
        let (a, b) = (BigUint::from(0x1234_5678u64), BigUint::from(0x9abc_def0u64));
        let two = BigUint::from(2u8);
        let (pa, pb) = (two.modpow(&a, &prime), two.modpow(&b, &prime));
        let key = session_key(&pb.modpow(&a, &prime));
        assert_eq!(key, session_key(&pa.modpow(&b, &prime)));
        let iv = [7u8; 16];
        let sealed = encrypt(&key, &iv, b"wJalrXUtnFEMI/K7MDENG");
        assert_eq!(sealed.len() % 16, 0);
        assert_ne!(&sealed[..], b"wJalrXUtnFEMI/K7MDENG");
        assert_eq!(
            decrypt(&key, &iv, &sealed).as_deref(),
            Some(&b"wJalrXUtnFEMI/K7MDENG"[..])
        );
        assert_eq!(decrypt(&[0; 16], &iv, &sealed), None);
    }
}
