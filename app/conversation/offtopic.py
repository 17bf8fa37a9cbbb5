"""Words of the shop's other business: a message they dominate is not for the FAQ.

The FAQ is about one-time codes, WhatsApp and talking to the shop. Customers
also write about orders, shipping, payment methods, refunds, products and
stock ("pesanan sy kok blm dikirim", "kak bayar pake gopay bisa ga"). Such a
message shares a word or two with an entry ("dikirim", "bayar") and the
scorers, which ignore words the FAQ does not know, would answer it. The
words below belong to no entry and say what the message is really about, so
the search gives each of them 1.5 times the weight of the FAQ's rarest word
(:data:`app.conversation.faq.OFF_TOPIC_WEIGHT`): where they dominate, the
message is not covered and gets no answer; where the message is mostly
about codes ("kurir minta kode otp sy"), they cost little. A message with
one must also score more to be answered (faq_scores.OFF_TOPIC_DOUBT).

Guarded like the lexicon: a word the FAQ's own questions use is never
off-topic (the caller passes those as ``keep``). Written for Sandi from the
usual vocabulary of Indonesian online shops (no word list vendored).
"""

from __future__ import annotations

from app.content.text import wordlist

OFF_TOPIC = wordlist(
    """
    pesanan pesananku pesanannya orderan order orders ordered paket paketnya parcel package
    resi lacak dilacak melacak tracking track tracked ongkir ongkos shipping ship shipped
    ekspedisi jne jnt sicepat delivery cod retur return returned tukar refund refunded
    pengembalian komplain complain complaint rusak broken damaged cacat
    barang barangnya produk product products stok stock ready restock tersedia available
    harga price prices cost murah mahal diskon discount voucher kupon coupon cashback poin points
    keranjang cart checkoutnya invoice faktur tagihan cicilan installment rekening
    gopay ovo shopeepay dana qris paylater kredit credit debit tunai cash
    ukuran size warna color colour merah hitam black putih white biru blue dress baju kaos sepatu
    reseller dropship grosir agen indomaret alfamart minimarket
    alamat lokasi cabang gudang offline garansi servis reparasi
    lowongan loker gaji karyawan magang
    struk nota kwitansi receipt saldo topup dompet bca mandiri bri bni atm
    ukurannya bahan kain model motif
    virtual terimakasih thx mantap
    pizza kopi makanan minuman
    pengiriman dikirimkan sale sales flashsale
    mall affiliate afiliasi suspend suspended banned dibanned
    """
)


#: Codes that are not one-time codes: "kode promo tidak valid", "voucher code",
#: "kode pos", "kode unik" (a bank transfer's), "kode bayar" (a minimarket's).
#: Next to one of these, "kode" / "code" is the shop's other business too,
#: whatever the FAQ's words are.
OTHER_CODES = wordlist(
    """
    promo promonya promosi voucher vocher diskon discount kupon coupon referral referal reff
    pos postal zip booking unik bayar pembayaran va virtual gift hadiah redeem
    resi tracking member membership
    """
)
CODE_WORDS = wordlist("kode code kodenya codes")
#: Closing or deleting the account ("hapus akun", "delete my account"): not in the FAQ.
ACCOUNT_ENDS = wordlist(
    "hapus dihapus menghapus hapusin delete deleting deactivate tutup ditutup close nonaktifkan"
)
ACCOUNT_WORDS = wordlist("akun account akunnya akunku")
#: A forgotten password ("lupa password", "forgot my pin"): account recovery, not in the FAQ.
FORGOT = wordlist("lupa forgot forget forgotten reset")
PASSWORD_WORDS = wordlist("password pass sandi pin passwordnya sandinya pinnya")
#: (a word, what beside it makes it another business), both words then off-topic.
PHRASES = ((CODE_WORDS, OTHER_CODES), (ACCOUNT_WORDS, ACCOUNT_ENDS), (PASSWORD_WORDS, FORGOT))
#: Skipped between the two ("delete my account", "hapus akun saya").
_BETWEEN = wordlist("my your the saya sy aku gw")


def off_topic_pairs(typed: list[str]) -> set[int]:
    """Where in ``typed`` another business is named by two words together:
    a code that is not a one-time code ("kode promo", "promo code") or
    closing the account ("hapus akun", "delete my account"), a forgotten password."""
    found: set[int] = set()
    for i, word in enumerate(typed):
        for heads, kinds in PHRASES:
            if word not in heads:
                continue
            for step in (-1, 1):
                j = i + step
                if 0 <= j < len(typed) and typed[j] in _BETWEEN:
                    j += step
                if 0 <= j < len(typed) and _base(typed[j]) in kinds:
                    found.update((i, j))
    return found


def _base(word: str) -> str:
    """The word without a possessive ending ("bayarnya", "vouchermu")."""
    for ending in ("nya", "ku", "mu"):
        if word.endswith(ending) and len(word) > len(ending) + 2:
            return word[: -len(ending)]
    return word


def is_off_topic(word: str, keep: frozenset[str]) -> bool:
    """A word about the shop's other business (possessive endings allowed), not one the FAQ uses."""
    if word in keep:
        return False
    if word in OFF_TOPIC:
        return True
    for ending in ("nya", "ku", "mu"):
        if word.endswith(ending) and word[: -len(ending)] in OFF_TOPIC:
            return word[: -len(ending)] not in keep
    return False
