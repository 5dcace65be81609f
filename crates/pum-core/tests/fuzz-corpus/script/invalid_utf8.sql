SELECT ÿþ invalid utf8;
