"""The trusted persons' kit: their personal links, QR codes and a printable flyer."""
