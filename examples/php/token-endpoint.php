<?php
// GET /hub-token: a subscriber token for the signed-in user of this backend (here: the PHP session's user_id).
require __DIR__ . '/LiveHub.php';

session_start();
if (!isset($_SESSION['user_id'])) {
    http_response_code(401);
    exit;
}
header('Content-Type: text/plain');
header('Cache-Control: no-store');
echo (new LiveHub(getenv('HUB_TOKEN_SECRET')))->token((string) $_SESSION['user_id'], 300);
