// libqrencode (Debian package libqrencode-dev, pkg-config name `libqrencode`) for the Intake service's
// village QR posters; see Services/intake/Sources/Posters/QRCode.swift.
#include <qrencode.h>
