<?php
// The examples as commands, e.g.:
//   HUB_TOKEN_SECRET=... php livehub-cli.php token 42
//   REDIS_URL=tcp://127.0.0.1:6379 php livehub-cli.php publish-redis 42,43 crud.update '{"model":"Task","id":12}'
//   REDIS_CLUSTER=10.0.0.1:7000,10.0.0.2:7000 php livehub-cli.php publish-redis 42,43 notif '{}'   # a Redis Cluster
//   HUB_URL=http://127.0.0.1:8090 HUB_PUBLISH_TOKEN=... php livehub-cli.php publish-http 42 notif '{"unread":1}'
//   HUB_URL=... HUB_PUBLISH_TOKEN=... php livehub-cli.php publish-batch 42 notif '{"unread":1}' 43,44 crud.delete '{}'
// The JSON is sent as it is. Prints the token, or the event ids as JSON (for a batch, the results).
// Exit code 2 for bad usage, 1 when publishing fails (for a batch: when any publication was not appended; the
// results are printed all the same).

require __DIR__ . '/LiveHub.php';

$usage = "usage: php livehub-cli.php token <user> | publish-redis <user,...> <event> <json> [<publish id>] | "
    . "publish-http <user,...> <event> <json> [<publish id>] | publish-batch (<user,...> <event> <json>)...\n";
[$command, $user] = [$argv[1] ?? null, $argv[2] ?? null];
if ($command === null || $user === null) {
    fwrite(STDERR, $usage);
    exit(2);
}
$hub = new LiveHub((string) getenv('HUB_TOKEN_SECRET'), getenv('HUB_PREFIX') ?: 'hub');
$hubUrl = getenv('HUB_URL') ?: 'http://127.0.0.1:8090';

try {
    if ($command === 'token') {
        echo $hub->token($user, (int) (getenv('HUB_TOKEN_TTL') ?: 300)), "\n";
        exit(0);
    }
    if ($command === 'publish-batch') {
        $rest = array_slice($argv, 2);
        if (count($rest) % 3 !== 0) {
            fwrite(STDERR, "give <user,...> <event> <json> for each publication\n" . $usage);
            exit(2);
        }
        $publications = [];
        foreach (array_chunk($rest, 3) as [$users, $event, $json]) {
            $publications[] = ['users' => explode(',', $users), 'event' => $event, 'data' => $json];
        }
        $results = $hub->publishHttpBatch($hubUrl, (string) getenv('HUB_PUBLISH_TOKEN'), $publications);
        echo json_encode($results, JSON_THROW_ON_ERROR | JSON_UNESCAPED_UNICODE), "\n";
        // Every result is printed; a publication not appended for all its users (not 202) makes the exit code 1.
        foreach ($results as $result) {
            if (($result['status'] ?? 0) !== 202) {
                fwrite(STDERR, "not every publication was appended: see the results' status\n");
                exit(1);
            }
        }
        exit(0);
    }
    $users = explode(',', $user);
    [$event, $data, $publishId] = [$argv[3] ?? null, $argv[4] ?? null, $argv[5] ?? null];
    if ($event === null || $data === null) {
        fwrite(STDERR, "the event and its JSON are required\n" . $usage);
        exit(2);
    }
    if ($command === 'publish-redis') {
        if (getenv('REDIS_CLUSTER')) {   // a Redis Cluster: its seed nodes, host:port,...
            $redis = new RedisCluster(null, explode(',', getenv('REDIS_CLUSTER')), 5.0, 5.0);
        } else {
            $url = parse_url(getenv('REDIS_URL') ?: 'tcp://127.0.0.1:6379');
            $redis = new Redis();
            $redis->connect($url['host'], $url['port'] ?? 6379, 5.0);
        }
        $ids = $hub->publishRedis($redis, $users, $event, $data, $publishId);
    } elseif ($command === 'publish-http') {
        $ids = $hub->publishHttp($hubUrl, (string) getenv('HUB_PUBLISH_TOKEN'), $users, $event, $data, $publishId);
    } else {
        fwrite(STDERR, "unknown command '$command'\n" . $usage);
        exit(2);
    }
    // An object even when the user ids are 0, 1, ...: {"0":"<id>"}, never a list that loses them.
    echo json_encode($ids, JSON_THROW_ON_ERROR | JSON_FORCE_OBJECT | JSON_UNESCAPED_UNICODE), "\n";
} catch (Throwable $e) {
    fwrite(STDERR, $e->getMessage() . "\n");
    exit(1);
}
