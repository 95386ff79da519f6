"""Turkish command labels for the setup test (test data, not shipped content)."""

TURKISH = {
    "restart": "Yeniden başla",
    "language": "Başka dil",
    "erase": "Sohbeti sil",
    "help": "Yardım ara",
    "danger": "Şimdi tehlikede",
}
