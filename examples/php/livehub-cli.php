<?php
// The examples as commands, e.g.:
//   HUB_TOKEN_SECRET=... php livehub-cli.php token 42
//   REDIS_URL=tcp://127.0.0.1:6379 php livehub-cli.php publish-redis 42 crud.update '{"model":"Task","id":12}'
//   HUB_URL=http://127.0.0.1:8090 HUB_PUBLISH_TOKEN=... php livehub-cli.php publish-http 42 notif '{"unread":1}'
// Prints the token, or the event ids as JSON. Exit code 2 for bad usage, 1 when publishing fails.

require __DIR__ . '/LiveHub.php';

$usage = "usage: php livehub-cli.php token <user> | publish-redis <user,...> <event> <json> | "
    . "publish-http <user,...> <event> <json>\n";
[$command, $user] = [$argv[1] ?? null, $argv[2] ?? null];
if ($command === null || $user === null) {
    fwrite(STDERR, $usage);
    exit(2);
}
$hub = new LiveHub((string) getenv('HUB_TOKEN_SECRET'), getenv('HUB_PREFIX') ?: 'hub');

try {
    if ($command === 'token') {
        echo $hub->token($user, (int) (getenv('HUB_TOKEN_TTL') ?: 300)), "\n";
        exit(0);
    }
    $users = explode(',', $user);
    $event = $argv[3] ?? null;
    $data = json_decode($argv[4] ?? 'null', true);
    if ($event === null || !is_array($data)) {
        fwrite(STDERR, "the event and a JSON object are required\n" . $usage);
        exit(2);
    }
    if ($command === 'publish-redis') {
        $url = parse_url(getenv('REDIS_URL') ?: 'tcp://127.0.0.1:6379');
        $redis = new Redis();
        $redis->connect($url['host'], $url['port'] ?? 6379, 5.0);
        $ids = $hub->publishRedis($redis, $users, $event, $data);
    } elseif ($command === 'publish-http') {
        $ids = $hub->publishHttp(getenv('HUB_URL') ?: 'http://127.0.0.1:8090', (string) getenv('HUB_PUBLISH_TOKEN'),
            $users, $event, $data);
    } else {
        fwrite(STDERR, "unknown command '$command'\n" . $usage);
        exit(2);
    }
    echo json_encode($ids), "\n";
} catch (Throwable $e) {
    fwrite(STDERR, $e->getMessage() . "\n");
    exit(1);
}
